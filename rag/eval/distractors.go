package eval

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Distractors returns n unrelated but realistic-looking documents for
// benchmarks that hide real material among noise. Each document belongs to
// one of a dozen everyday topics (gardening, astronomy, cooking, software,
// sports...) and is put together from that topic's word lists and sentence
// templates, so that thousands of documents differ in title, wording and
// length. The same n and seed always give the same documents (and the first
// m of Distractors(n, seed) are Distractors(m, seed)); sources are
// "distractor-<seed>-<index>-<topic>", unique within a call.
func Distractors(n int, seed int64) []TextDoc {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	topics := distractorTopics()
	people := list(distractorPeople)
	docs := make([]TextDoc, 0, max(n, 0))
	for i := range n {
		t := topics[rng.IntN(len(topics))]
		f := filler{rng: rng, t: t, people: people}
		title := f.fill(pick(rng, t.titles))
		docs = append(docs, TextDoc{
			Source: fmt.Sprintf("distractor-%d-%05d-%s", seed, i, strings.ReplaceAll(t.name, " ", "-")),
			Title:  title,
			Text:   title + "\n\n" + f.body(),
		})
	}
	return docs
}

// topic is the material one kind of distractor is made of. Templates hold
// slots: {S} subject, {T} thing, {A} adjective, {P} place, {W} a person,
// {N} a small number, {Q} a percentage, {Y} a year.
type topic struct {
	name                         string
	subjects, things, adjs, plcs []string
	titles, sentences            []string
}

// filler fills one document's templates.
type filler struct {
	rng    *rand.Rand
	t      topic
	people []string
}

// body is two or three paragraphs of three to five sentences, no sentence
// repeated.
func (f filler) body() string {
	order := f.rng.Perm(len(f.t.sentences))
	paras := make([]string, 0, 3)
	for range 2 + f.rng.IntN(2) {
		var sents []string
		for range 3 + f.rng.IntN(3) {
			if len(order) == 0 {
				break
			}
			sents = append(sents, f.fill(f.t.sentences[order[0]]))
			order = order[1:]
		}
		if len(sents) > 0 {
			paras = append(paras, strings.Join(sents, " "))
		}
	}
	return strings.Join(paras, "\n\n")
}

func (f filler) fill(tmpl string) string {
	r := strings.NewReplacer(
		"{S}", pick(f.rng, f.t.subjects),
		"{T}", pick(f.rng, f.t.things),
		"{A}", pick(f.rng, f.t.adjs),
		"{P}", pick(f.rng, f.t.plcs),
		"{W}", pick(f.rng, f.people),
		"{N}", strconv.Itoa(2+f.rng.IntN(11)),
		"{Q}", strconv.Itoa(5+f.rng.IntN(56)),
		"{Y}", strconv.Itoa(1990+f.rng.IntN(35)),
	)
	return capitalise(fixArticles(r.Replace(tmpl)))
}

// fixArticles turns "a" into "an" before a vowel sound, well enough for the
// word lists here.
func fixArticles(s string) string {
	words := strings.Split(s, " ")
	for i, w := range words[:len(words)-1] {
		next := strings.ToLower(words[i+1])
		if (w == "a" || w == "A") && next != "" && strings.ContainsRune("aeiou", rune(next[0])) &&
			!strings.HasPrefix(next, "one") && !strings.HasPrefix(next, "use") {
			words[i] = w + "n"
		}
	}
	return strings.Join(words, " ")
}

func pick(rng *rand.Rand, list []string) string { return list[rng.IntN(len(list))] }

func capitalise(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// list splits a "|"-separated word list.
func list(s string) []string {
	parts := strings.Split(s, "|")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}
