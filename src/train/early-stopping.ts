// Early stopping as Lightning's EarlyStopping callback: a monitored value improves when it beats
// the best by more than min_delta (up for Dice, down for a loss); after `patience` epochs without
// improvement, and not before `minEpochs` epochs, training stops.

export interface EarlyStoppingState { best: number | null; bestEpoch: number | null; badEpochs: number }

export class EarlyStopping {
  constructor(
    readonly mode: 'max' | 'min',
    readonly patience: number | null,
    readonly minDelta = 0,
    readonly minEpochs = 0,
    readonly state: EarlyStoppingState = { best: null, bestEpoch: null, badEpochs: 0 },
  ) {}

  /** Records epoch `epoch` (1-based) with `value`; says whether it is the new best and whether to stop. */
  update(value: number, epoch: number): { improved: boolean; stop: boolean } {
    const s = this.state;
    const improved = s.best === null || (this.mode === 'max' ? value > s.best + this.minDelta : value < s.best - this.minDelta);
    if (improved) {
      s.best = value;
      s.bestEpoch = epoch;
      s.badEpochs = 0;
    } else {
      s.badEpochs++;
    }
    const stop = this.patience !== null && epoch >= this.minEpochs && s.badEpochs >= this.patience;
    return { improved, stop };
  }
}
