// What the report's figure builder returns and takes.
import type { ResultsStore } from '../../experiments/results/index.js';

/** One figure of the report: its files (paths relative to the report folder) and its runs. */
export interface ReportFigure {
  /** Stable file stem, e.g. "figure-2-prompt-types". */
  id: string;
  title: string;
  caption: string;
  /** "figures/<id>.svg"; null when the figure could not be drawn (`missing` says why). */
  svg: string | null;
  /** "figures/<id>.png"; null when the figure could not be drawn. */
  png: string | null;
  /** "figures/<id>.csv": the data the figure plots; null when there is none. */
  csv: string | null;
  /** The runs the figure was made from. */
  runIds: number[];
  /** Why the figure could not be drawn (no runs of that kind in the store, no masks, …). */
  missing?: string;
}

export interface BuildFiguresOptions {
  /** Only runs of this suite (default: every done run). */
  suite?: string;
  /** The report's figures/ folder; created if needed. Figure paths are relative to its parent. */
  outDir: string;
  /** Seed of the bootstrap and of random image choices (default 0). */
  seed?: number;
  /** Bootstrap resamples (default 1000). */
  resamples?: number;
  /** Dataset name → dataset root (reference layout), for figures that show images. */
  dataRoots?: Readonly<Record<string, string>>;
  /** Images shown in the qualitative panels (default: `qualitativeCount` drawn with the seed). */
  qualitativeImages?: readonly string[];
  /** How many images the qualitative panels and the largest-drop figure show (default 4). */
  qualitativeCount?: number;
}

export type { ResultsStore };
