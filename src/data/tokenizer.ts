/**
 * The tokenizer of text models: HTML stripped (tags and the common entities), lower-cased words
 * (letters, digits and inner apostrophes), and the word bigrams that give a bag-of-words model some word
 * order ("not good").
 *
 * @module
 */

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#39': "'",
};

/**
 * Splits a text into its words and word bigrams.
 *
 * @param text - raw text, possibly holding HTML
 * @returns the words in order, then the bigrams (`"word1 word2"`) in order
 */
export function tokenize(text: string): string[] {
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#39|[a-z]+);/gi, (entity, name: string) => ENTITIES[name.toLowerCase()] ?? entity)
    .toLowerCase();
  const words = (plain.match(/[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu) ?? []) as string[];
  const bigrams: string[] = [];
  for (let i = 0; i + 1 < words.length; i++) bigrams.push(`${words[i]} ${words[i + 1]}`);
  return [...words, ...bigrams];
}
