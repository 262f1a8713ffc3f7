import { rectifyConfusion } from 'unicode-confusables';

/**
 * The key that makes a customer name unique (it is in the name's tag, see `customerTag`). Two names have the
 * same key when they look alike to a person:
 *
 * 1. NFKC: compatibility forms are their plain letters (full-width `Ｊｏｈｎ`, `𝐉ohn`, ligatures).
 * 2. Default-ignorable code points go (zero-width spaces and joiners, soft hyphens, variation selectors).
 * 3. Runs of white space are one space; none at either end; lower case (locale-independent).
 * 4. The confusable skeleton of Unicode TS #39: in NFD, each character becomes its prototype from
 *    confusables.txt (Cyrillic `Ј` is `J`, Greek `ο` is `o`, `0` is `O`, `rn` and `m` meet), then NFD again.
 * 5. Lower case again (a prototype may be upper case), then NFC.
 *
 * So `John`, `JOHN`, `Ｊｏｈｎ`, `Јohn` (Cyrillic), `Jo\u200Bhn`, `Jo\u00ADhn` and `J0hn` share one key, and
 * accents still count: `Chloé` and `Chloe` are two names. The name an account shows is the one given (NFC).
 */
export function customerNameKey(name: string): string {
  const plain = name
    .normalize('NFKC')
    .replace(/\p{Default_Ignorable_Code_Point}/gu, '')
    .replace(/\s+/gu, ' ')
    .trim()
    .toLowerCase();
  return rectifyConfusion(plain.normalize('NFD')).normalize('NFD').toLowerCase().normalize('NFC');
}
