/**
 * `$formatNumber` as Step Functions answers it. jsonata-js 2.0.6 formats and checks the picture string by the
 * rules of XPath F&O 4.7.3, but a sub-picture with no digit, separator or other active character (`"x"`, `""`)
 * makes it throw a JavaScript TypeError. Such a sub-picture is all active part: it breaks D3085 (no digit in
 * the mantissa), then D3086 (a passive character in the active part), or D3093 (an exponent without digits)
 * when it holds the exponent separator, and the last rule broken is the one reported. AWS answers
 * `$formatNumber(1, "x")` with D3086 (measured, floci-io/floci issue 2737).
 */
import jsonata from 'jsonata';

/** JSONata's own `$formatNumber`, called through an expression of its own so the override does not shadow it. */
const builtInFormatNumber = jsonata('$formatNumber($value, $picture, $options)');

type PictureSymbol =
  | 'decimal-separator'
  | 'exponent-separator'
  | 'grouping-separator'
  | 'digit'
  | 'pattern-separator'
  | 'zero-digit';

const DEFAULT_SYMBOLS: Record<PictureSymbol, string> = {
  'decimal-separator': '.',
  'exponent-separator': 'e',
  'grouping-separator': ',',
  digit: '#',
  'pattern-separator': ';',
  'zero-digit': '0',
};

/** The picture's symbols, as the third argument overrides them. */
function pictureSymbols(options: Record<string, unknown> | undefined): Record<PictureSymbol, string> {
  const symbols = { ...DEFAULT_SYMBOLS };
  for (const name of Object.keys(symbols) as PictureSymbol[]) {
    if (typeof options?.[name] === 'string') symbols[name] = options[name];
  }
  return symbols;
}

/** Whether `character` is active other than as the exponent separator: a digit, a separator or `#`. */
function isActiveOutsideExponent(character: string, symbols: Record<PictureSymbol, string>): boolean {
  const zero = symbols['zero-digit'].charCodeAt(0);
  const code = character.charCodeAt(0);
  if (code >= zero && code < zero + 10) return true;
  return [
    symbols['decimal-separator'],
    symbols['grouping-separator'],
    symbols.digit,
    symbols['pattern-separator'],
  ].includes(character);
}

/** The rule a sub-picture with no active character breaks last (see the module's summary). */
function passiveSubPictureError(subPicture: string, symbols: Record<PictureSymbol, string>): string {
  if (subPicture.includes(symbols['exponent-separator'])) return 'D3093';
  return subPicture === '' ? 'D3085' : 'D3086';
}

/**
 * `$formatNumber(value, picture, options)`: JSONata's, except that a sub-picture without an active character
 * fails with the rule it breaks. The sub-pictures are checked in order, so an earlier one's error comes first.
 */
export async function formatNumber(
  value: number | undefined,
  picture: string,
  options?: Record<string, unknown>,
): Promise<string | undefined> {
  const symbols = pictureSymbols(options);
  const subPictures = picture.split(symbols['pattern-separator']);
  const passive = (subPicture: string) =>
    ![...subPicture].some((character) => isActiveOutsideExponent(character, symbols));
  if (value !== undefined && subPictures.length <= 2 && subPictures.some(passive)) {
    for (const subPicture of subPictures) {
      // JSONata fills in the message of its own error codes.
      if (passive(subPicture))
        throw Object.assign(new Error(), { code: passiveSubPictureError(subPicture, symbols) });
      await builtInFormatNumber.evaluate(undefined, { value: 0, picture: subPicture, options });
    }
  }
  return builtInFormatNumber.evaluate(undefined, { value, picture, options });
}
