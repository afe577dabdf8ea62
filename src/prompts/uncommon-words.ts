// A fixed list of uncommon English words for the robustness study's "random uncommon word"
// perturbation (paper §4, Figure 3). Fixed in the repository so perturbed prompts are
// reproducible from a seed; none of them names a colour, shape, size, place or number.
export const UNCOMMON_WORDS: readonly string[] = [
  'abecedarian', 'absquatulate', 'acumen', 'adumbrate', 'agrestic', 'alacrity', 'amanuensis', 'anfractuous',
  'apricity', 'argle-bargle', 'bailiwick', 'bamboozle', 'bathos', 'beleaguer', 'bellwether', 'blandishment',
  'bloviate', 'borborygmus', 'brouhaha', 'bumbershoot', 'cacophony', 'callipygian', 'canoodle', 'cantankerous',
  'catawampus', 'cattywampus', 'chicanery', 'circumlocution', 'codswallop', 'collywobbles', 'comestible', 'concupiscent',
  'contumacious', 'copacetic', 'crapulent', 'curmudgeon', 'defenestrate', 'deliquesce', 'discombobulate', 'dithyramb',
  'doozy', 'draggletail', 'ebullient', 'effulgent', 'egregious', 'embrangle', 'empyrean', 'ensorcell',
  'ephemeron', 'epistolary', 'erstwhile', 'ersatz', 'esurient', 'evanescent', 'fandangle', 'fard',
  'fatuous', 'fissiparous', 'flibbertigibbet', 'flummox', 'foofaraw', 'fopdoodle', 'frangible', 'frippery',
  'fuddle', 'gallimaufry', 'gambol', 'gardyloo', 'gewgaw', 'gobbledygook', 'gormless', 'grandiloquent',
  'gubbins', 'halcyon', 'hobbledehoy', 'hornswoggle', 'hullabaloo', 'impignorate', 'inchoate', 'ineffable',
  'infundibulum', 'insouciant', 'jentacular', 'jejune', 'kakistocracy', 'kerfuffle', 'lackadaisical', 'lagniappe',
  'lollygag', 'logorrhea', 'lugubrious', 'macerate', 'malarkey', 'mendacious', 'meretricious', 'mollycoddle',
  'mumpsimus', 'nudiustertian', 'obfuscate', 'obstreperous', 'oleaginous', 'omphaloskepsis', 'onomatopoeia', 'ossify',
  'panjandrum', 'pandiculation', 'paraphernalia', 'persiflage', 'petrichor', 'pettifogger', 'phantasmagoria', 'philtrum',
  'quagmire', 'quibble', 'quidnunc', 'quixotic', 'ragamuffin', 'rambunctious', 'rapscallion', 'recumbentibus',
  'rigmarole', 'rumpus', 'sardoodledom', 'schadenfreude', 'scuttlebutt', 'sesquipedalian', 'shenanigan', 'skedaddle',
  'slubberdegullion', 'snollygoster', 'sobriquet', 'susurrus', 'syzygy', 'taradiddle', 'tatterdemalion', 'tittynope',
  'troglodyte', 'ultracrepidarian', 'umbriferous', 'vellicate', 'vicissitude', 'wabbit', 'widdershins', 'winklepicker',
  'xertz', 'yarborough', 'zenzizenzizenzic', 'zephyr',
];
