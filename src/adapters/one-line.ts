/** Terminal control sequences and other non-printing characters, which must not reach a terminal. */
const CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b\[[0-9;?]*[ -/]*[@-~]|[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text another party sent, for an error message: control characters and runs of white space made one space,
 * cut to `maxLength` characters (`...` when cut).
 *
 * @example
 * oneLine('line 1\n\n  line 2', 200); // 'line 1 line 2'
 */
export function oneLine(text: string, maxLength: number): string {
  const line = text.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
  return line.length > maxLength ? `${line.slice(0, maxLength)}...` : line;
}
