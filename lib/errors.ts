/** A construct prop, context value or project file is missing or wrong; thrown at synth time, before any deploy. */
export class CutoverConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CutoverConfigError';
  }
}
