package store_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/citebot/citebot/rag/store"
)

// corpus generates a deterministic synthetic collection that looks like a
// team's documents to both legs of the search, so that a million chunks
// can be stored without the model:
//   - text: a Zipfian vocabulary (s 1.07, as in English) whose most frequent
//     ranks are English stop words, which the text leg drops like real ones;
//     each topic prefers its own few hundred content words, and chunk
//     lengths are log-normal around 75 words up to 100, as the chunker's
//     128-token chunks of the default model are;
//   - vectors: unit vectors made of a direction shared by all (embeddings
//     are anisotropic), the document's topic centroid, the document's own
//     direction and noise, so that chunks of one topic have cosine ~0.5,
//     of one document ~0.7, and of unrelated topics ~0.1: the clustered
//     data HNSW graphs are built for, not uniform noise.
//
// Queries are drawn like chunks of a random document: its topic's words
// and a vector from the same mixture with fresh noise.
type corpus struct {
	seed      uint64
	vocab     []string
	common    []float32   // shared direction
	centroids [][]float32 // per topic
	topics    [][]string  // each topic's preferred words
}

const (
	corpusTopics      = 1000
	corpusVocab       = 60000
	corpusTopicWords  = 300
	corpusDocChunks   = 20 // chunks per document
	corpusTopicShare  = 0.35
	corpusWCommon     = 0.3
	corpusWTopic      = 0.6
	corpusWDoc        = 0.4
	corpusWNoise      = 0.5
	corpusMedianWords = 75
)

// corpusStopWords take the top Zipf ranks, as in English text.
var corpusStopWords = strings.Fields("the of and to a in is that for it as with was on be by this are or from at an " +
	"which but not have has were can all their will one been more if its they there also when")

func newCorpus(seed uint64) *corpus {
	rng := rand.New(rand.NewPCG(seed, 0x5ca1e))
	c := &corpus{seed: seed, vocab: make([]string, corpusVocab), common: unitVector(rng)}
	copy(c.vocab, corpusStopWords)
	for i := len(corpusStopWords); i < corpusVocab; i++ {
		c.vocab[i] = pseudoWord(rng)
	}
	for range corpusTopics {
		c.centroids = append(c.centroids, unitVector(rng))
		words := make([]string, corpusTopicWords)
		for j := range words {
			// Content words from the middle and tail of the vocabulary.
			words[j] = c.vocab[200+rng.IntN(corpusVocab-200)]
		}
		c.topics = append(c.topics, words)
	}
	return c
}

// pseudoWord makes a pronounceable lower-case word of 2 to 5 syllables, which
// the english text search configuration stems like a real one.
func pseudoWord(rng *rand.Rand) string {
	const cons, vows = "bcdfghklmnprstvz", "aeiou"
	var b strings.Builder
	for range 2 + rng.IntN(4) {
		b.WriteByte(cons[rng.IntN(len(cons))])
		b.WriteByte(vows[rng.IntN(len(vows))])
	}
	if rng.IntN(3) == 0 {
		b.WriteByte(cons[rng.IntN(len(cons))])
	}
	return b.String()
}

func unitVector(rng *rand.Rand) []float32 {
	v := make([]float32, benchDim)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return normalize(v)
}

func normalize(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	s := float32(1 / math.Sqrt(n))
	for i := range v {
		v[i] *= s
	}
	return v
}

// docGen generates the chunks and queries of one document.
type docGen struct {
	c      *corpus
	rng    *rand.Rand
	global *rand.Zipf
	local  *rand.Zipf
	topic  int
	dir    []float32 // the document's own direction
}

func (c *corpus) doc(id int) *docGen {
	rng := rand.New(rand.NewPCG(c.seed^uint64(id)*0x9e3779b97f4a7c15, uint64(id)))
	g := &docGen{c: c, rng: rng, topic: rng.IntN(corpusTopics),
		global: rand.NewZipf(rng, 1.07, 1, corpusVocab-1),
		local:  rand.NewZipf(rng, 1.07, 1, corpusTopicWords-1)}
	g.dir = unitVector(rng)
	return g
}

func (g *docGen) word() string {
	if g.rng.Float64() < corpusTopicShare {
		return g.c.topics[g.topic][g.local.Uint64()]
	}
	return g.c.vocab[g.global.Uint64()]
}

func (g *docGen) text(words int) string {
	var b strings.Builder
	for i := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.word())
	}
	return b.String()
}

// chunkWords is a log-normal chunk length, clipped to what a chunker makes.
func (g *docGen) chunkWords() int {
	n := corpusMedianWords * math.Exp(0.45*g.rng.NormFloat64())
	return int(min(max(n, 10), 100))
}

func (g *docGen) vector() []float32 {
	v := make([]float32, benchDim)
	t := g.c.centroids[g.topic]
	for i := range v {
		v[i] = corpusWCommon*g.c.common[i] + corpusWTopic*t[i] + corpusWDoc*g.dir[i] +
			corpusWNoise*float32(g.rng.NormFloat64())/float32(math.Sqrt(benchDim))
	}
	return normalize(v)
}

// write is document id of the corpus as the store's bulk path takes it.
func (c *corpus) write(collection string, m store.Model, id int) store.DocumentWrite {
	g := c.doc(id)
	w := store.DocumentWrite{Collection: collection, Source: corpusSource(id), Title: g.text(5),
		ContentHash: fmt.Sprint(id), Model: m, Chunks: make([]store.ChunkWrite, 0, corpusDocChunks)}
	off := 0
	for i := range corpusDocChunks {
		txt := g.text(g.chunkWords())
		w.Chunks = append(w.Chunks, store.ChunkWrite{Position: i, HeadingPath: []string{w.Title}, Text: txt,
			Hash: fmt.Sprintf("%d-%d", id, i), Tokens: len(txt) / 4, Start: off, End: off + len(txt), Embedding: g.vector()})
		off += len(txt) + 1
	}
	return w
}

// corpusSource is the source of document id.
func corpusSource(id int) string { return fmt.Sprintf("scale/%07d", id) }

// query is a question about a random one of the first docs documents.
func (c *corpus) query(rng *rand.Rand, docs int) (string, []float32) {
	g := c.doc(rng.IntN(docs))
	g.rng = rng // fresh words and noise, the document's topic and direction
	g.global = rand.NewZipf(rng, 1.07, 1, corpusVocab-1)
	g.local = rand.NewZipf(rng, 1.07, 1, corpusTopicWords-1)
	return g.text(6 + rng.IntN(6)), g.vector()
}
