package answer

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/rag"
)

// kind is the type of answer a question asks for, read from its question
// words: the reader looks for a phrase of that type in the sentence it
// quotes.
type kind int

const (
	kindNone   kind = iota
	kindDate        // when, what year, …
	kindNumber      // how many, how much, what percentage, …
	kindPerson      // who, whom, whose
	kindPlace       // where, what city, …
	kindName        // which/what + noun: a capitalised name
)

// cue maps the opening words of a question to the kind they ask for;
// longer cues are tried first.
var cues = []struct {
	words string
	k     kind
}{
	{"what year", kindDate}, {"which year", kindDate}, {"in what year", kindDate}, {"what date", kindDate},
	{"what month", kindDate}, {"which month", kindDate}, {"what day", kindDate}, {"what century", kindDate},
	{"what decade", kindDate}, {"what time", kindDate}, {"what month and year", kindDate},
	{"how many", kindNumber}, {"how much", kindNumber}, {"what percentage", kindNumber}, {"what percent", kindNumber},
	{"what proportion", kindNumber}, {"what portion", kindNumber}, {"what share", kindNumber}, {"how old", kindNumber},
	{"how long", kindNumber}, {"how far", kindNumber}, {"how high", kindNumber}, {"how large", kindNumber},
	{"how big", kindNumber}, {"what number", kindNumber}, {"what fraction", kindNumber}, {"what amount", kindNumber},
	{"what city", kindPlace}, {"which city", kindPlace}, {"what country", kindPlace}, {"which country", kindPlace},
	{"what state", kindPlace}, {"which state", kindPlace}, {"what province", kindPlace}, {"which province", kindPlace},
	{"what river", kindPlace}, {"which river", kindPlace}, {"what region", kindPlace}, {"which region", kindPlace},
	{"when", kindDate}, {"who", kindPerson}, {"whom", kindPerson}, {"whose", kindPerson}, {"where", kindPlace},
}

// nounKind is the kind asked for by the first telling noun after "what"
// or "which": "What is the population …" asks for a number.
func nounKind(ws []string) kind {
	for _, w := range ws {
		switch {
		case numberNouns[w]:
			return kindNumber
		case dateNouns[w]:
			return kindDate
		case nameNouns[w]:
			return kindName
		}
	}
	return kindNone
}

// numberNouns and dateNouns after "what" or "which" ask for a number or a
// date.
var (
	numberNouns = map[string]bool{"population": true, "number": true, "percentage": true, "percent": true,
		"rate": true, "cost": true, "price": true, "age": true, "height": true, "length": true, "size": true,
		"amount": true, "total": true, "count": true, "temperature": true, "distance": true, "area": true,
		"depth": true, "weight": true, "speed": true, "budget": true, "salary": true, "score": true}
	dateNouns = map[string]bool{"year": true, "date": true, "month": true, "century": true, "decade": true,
		"day": true, "era": true}
)

// nameNouns after "what" or "which" ask for a proper name ("Which company
// …", "What party …").
var nameNouns = map[string]bool{"company": true, "companies": true, "organization": true, "organisation": true,
	"party": true, "team": true, "university": true, "college": true, "school": true, "president": true,
	"mission": true, "program": true, "programme": true, "project": true, "agency": true, "newspaper": true,
	"church": true, "language": true, "museum": true, "airport": true, "club": true, "league": true,
	"person": true, "individual": true, "author": true, "scientist": true, "leader": true, "group": true,
	"army": true, "navy": true, "king": true, "queen": true, "emperor": true, "general": true, "ship": true,
	"act": true, "treaty": true, "law": true, "court": true, "war": true, "battle": true, "award": true,
	"prize": true, "firm": true, "bank": true, "brand": true, "band": true, "album": true, "book": true,
	"film": true, "faction": true, "movement": true, "tribe": true, "dynasty": true, "family": true,
	"senator": true, "governor": true, "mayor": true, "minister": true, "administrator": true,
	"island": true, "county": true, "town": true, "village": true, "continent": true, "ocean": true, "sea": true,
	"lake": true, "mountain": true, "street": true, "building": true, "stadium": true, "park": true}

// questionKind reads the kind of answer a question asks for from its
// first cue word, wherever it stands ("In 1969, who …").
func questionKind(q string) kind {
	ws := words(q)
	for i := range ws {
		for _, c := range cues {
			cw := strings.Fields(c.words)
			if i+len(cw) <= len(ws) && strings.Join(ws[i:i+len(cw)], " ") == c.words {
				return c.k
			}
		}
		if (ws[i] == "what" || ws[i] == "which") && i+1 < len(ws) {
			return nounKind(ws[i+1 : min(i+5, len(ws))])
		}
	}
	return kindNone
}

// auxiliaries open a yes/no question.
var auxiliaries = map[string]bool{"is": true, "are": true, "was": true, "were": true, "do": true, "does": true,
	"did": true, "can": true, "could": true, "has": true, "have": true, "had": true, "will": true, "would": true,
	"should": true, "may": true, "must": true, "isn": true, "aren": true, "wasn": true, "doesn": true, "didn": true}

// yesNoQuestion reports whether q asks for a yes or a no: it opens with an
// auxiliary verb ("Did HTS …?", "Is the port …?") and has no "or".
func yesNoQuestion(q string) bool {
	ws := words(q)
	if len(ws) < 2 || !auxiliaries[ws[0]] {
		return false
	}
	for _, w := range ws {
		if w == "or" {
			return false
		}
	}
	return true
}

// negRe finds the words that negate a clause.
var negRe = regexp.MustCompile(`(?i)\b(not|no|never|none|nor|neither|cannot|without)\b|n['’]t\b`)

// negations counts the negating words of s.
func negations(s string) int { return len(negRe.FindAllStringIndex(s, -1)) }

// span is a phrase of a sentence, as byte offsets.
type span struct{ start, end int }

var (
	monthRe = `(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)`
	dateRe  = regexp.MustCompile(`\b(?:(?:\d{1,2} )?` + monthRe + `(?: \d{1,2})?(?:,? \d{4})?|\d{1,2}(?:st|nd|rd|th) century|(?:1[0-9]|20)\d{2}s?(?:[–-]\d{2,4})?)\b`)
	numRe   = regexp.MustCompile(`(?i)(?:[$£€]\s?)?\b\d[\d,]*(?:\.\d+)?(?:\s?(?:%|percent|per cent|million|billion|thousand|hundred|trillion))?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|half|a third|a quarter|dozens?|hundreds|thousands|millions)(?:[ -](?:one|two|three|four|five|six|seven|eight|nine|hundred|thousand|million|billion|percent|per cent))*\b`)
)

// typedSpans lists the phrases of sentence s of kind k, in order.
func typedSpans(s string, k kind) []span {
	var out []span
	add := func(idx [][]int) {
		for _, m := range idx {
			out = append(out, span{m[0], m[1]})
		}
	}
	switch k {
	case kindDate:
		add(dateRe.FindAllStringIndex(s, -1))
	case kindNumber:
		for _, m := range numRe.FindAllStringIndex(s, -1) {
			if !yearAfterPreposition(s, m[0], m[1]) {
				out = append(out, span{m[0], m[1]})
			}
		}
	case kindPerson, kindPlace, kindName:
		out = capitalised(s)
	}
	return out
}

// yearRe matches a bare number that reads as a year.
var yearRe = regexp.MustCompile(`^(1[0-9]|20)\d{2}s?$`)

// timePrepositions before a year make it a date, not a count: "in 2017".
var timePrepositions = map[string]bool{"in": true, "since": true, "by": true, "from": true, "until": true,
	"before": true, "after": true, "during": true, "of": true, "early": true, "late": true, "mid": true, "to": true}

// yearAfterPreposition reports whether s[a:b] is a year such as "in 2017",
// which does not answer "how many".
func yearAfterPreposition(s string, a, b int) bool {
	if !yearRe.MatchString(s[a:b]) {
		return false
	}
	before := strings.Fields(s[:a])
	return len(before) > 0 && timePrepositions[strings.ToLower(strings.Trim(before[len(before)-1], ",(-"))]
}

// joiners may stand inside a capitalised name ("University of Melbourne").
var joiners = map[string]bool{"of": true, "de": true, "la": true, "von": true, "van": true, "the": true, "and": true, "for": true, "&": true}

// capitalised finds runs of capitalised words, joined by short words
// such as "of"; a run made of the sentence's first word alone is left
// out (it is capitalised as a first word), and so are month and day
// names alone.
func capitalised(s string) []span {
	type tok struct {
		start, end int
		cap, first bool
	}
	var toks []tok
	for _, m := range wordRe.FindAllStringIndex(s, -1) {
		r, _ := utf8.DecodeRuneInString(s[m[0]:])
		toks = append(toks, tok{m[0], m[1], unicode.IsUpper(r), m[0] == firstWordStart(s)})
	}
	var out []span
	for i := 0; i < len(toks); i++ {
		if !toks[i].cap {
			continue
		}
		j := i
		for j+1 < len(toks) && (gapOK(s, toks[j].end, toks[j+1].start) || initial(s, toks[j].start, toks[j].end, toks[j+1].start)) {
			if toks[j+1].cap {
				j++
				continue
			}
			if j+2 < len(toks) && joiners[strings.ToLower(s[toks[j+1].start:toks[j+1].end])] && toks[j+2].cap && gapOK(s, toks[j+1].end, toks[j+2].start) {
				j += 2
				continue
			}
			break
		}
		w := strings.ToLower(s[toks[i].start:toks[i].end])
		first := i
		if toks[i].first && i < j && stopwords[w] { // "The Yard" → "Yard" only at a sentence start
			first = i + 1
		}
		alone := strings.ToLower(s[toks[first].start:toks[first].end])
		if !(first == j && calendar[alone]) && !(i == j && toks[i].first) {
			out = append(out, span{toks[first].start, toks[j].end})
		}
		i = j
	}
	return out
}

var wordRe = regexp.MustCompile(`[\p{L}\p{N}][\p{L}\p{N}'’.-]*[\p{L}\p{N}]|[\p{L}\p{N}]`)

// calendar words are capitalised without naming anyone or anywhere.
var calendar = map[string]bool{"january": true, "february": true, "march": true, "april": true, "may": true,
	"june": true, "july": true, "august": true, "september": true, "october": true, "november": true,
	"december": true, "monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true,
	"saturday": true, "sunday": true}

// gapOK reports whether only spaces (or a hyphen) separate two words of a
// name.
func gapOK(s string, a, b int) bool { return strings.Trim(s[a:b], " -") == "" && b-a <= 2 }

// initial reports whether s[a:b] is one capital letter followed by a
// full stop and a space before the word at c: "Lyndon B. Johnson".
func initial(s string, a, b, c int) bool {
	r, n := utf8.DecodeRuneInString(s[a:])
	return b-a == n && unicode.IsUpper(r) && s[b:c] == ". "
}

func firstWordStart(s string) int {
	m := wordRe.FindStringIndex(s)
	if m == nil {
		return -1
	}
	return m[0]
}

// answerPhrase picks, in sentence s, the phrase that answers question q:
// a phrase of the kind q asks for that q does not already name, nearest
// to the words of q that s contains. It returns "" when there is none.
func answerPhrase(q, s string) string {
	k := questionKind(q)
	if k == kindNone {
		return ""
	}
	qTerms := termSet(q)
	var best span
	bestDist := -1
	for _, sp := range typedSpans(s, k) {
		phrase := strings.TrimRight(s[sp.start:sp.end], ".,;:")
		if phrase == "" || named(phrase, qTerms) || k != kindDate && k != kindNumber && demonym(phrase) {
			continue
		}
		d := distance(s, sp, qTerms)
		if (k == kindPerson || k == kindName) && !strings.ContainsAny(phrase, " -") {
			d++ // a single word names someone less surely than a full name
		}
		if k == kindPerson && isAcronym(phrase) {
			d += 3 // "AQ" names a group, seldom a person
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = span{sp.start, sp.start + len(phrase)}, d
		}
	}
	if bestDist < 0 {
		return ""
	}
	return s[best.start:best.end]
}

// demonym reports whether phrase is one word such as "Syrian" or
// "Spanish": it describes a place or people rather than naming one.
func demonym(phrase string) bool {
	w := strings.ToLower(phrase)
	if strings.ContainsAny(w, " -") {
		return false
	}
	for _, suf := range []string{"ian", "ean", "ese", "ish", "'s", "’s"} {
		if strings.HasSuffix(w, suf) && len(w) > len(suf)+2 {
			return true
		}
	}
	return false
}

// named reports whether every content word of phrase is already in the
// question: such a phrase restates the question rather than answering it.
func named(phrase string, qTerms map[string]bool) bool {
	terms := contentTerms(phrase)
	if len(terms) == 0 {
		return !strings.ContainsAny(phrase, "0123456789") && negations(phrase) == 0 && len(words(phrase)) > 0 && stopwords[words(phrase)[0]]
	}
	for _, t := range terms {
		if !qTerms[t] {
			return false
		}
	}
	return true
}

// distance is how many words lie between the span and the nearest word of
// s that the question contains; large when s holds none.
func distance(s string, sp span, qTerms map[string]bool) int {
	best := 1 << 20
	idx := 0
	spanIdx := -1
	var hits []int
	for _, m := range wordRe.FindAllStringIndex(s, -1) {
		if m[0] >= sp.start && spanIdx < 0 {
			spanIdx = idx
		}
		w := strings.ToLower(s[m[0]:m[1]])
		if (m[0] < sp.start || m[0] >= sp.end) && !stopwords[w] && qTerms[stem(w)] {
			hits = append(hits, idx)
		}
		idx++
	}
	for _, h := range hits {
		best = min(best, abs(h-spanIdx))
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// questionEntities are the names a question mentions: capitalised runs
// past its first word, and acronyms.
func questionEntities(q string) []string {
	var out []string
	for _, sp := range capitalised(q) {
		e := q[sp.start:sp.end]
		if sp.start == firstWordStart(q) && !isAcronym(e) {
			if len(strings.Fields(e)) < 2 {
				continue
			}
		}
		if !stopwords[strings.ToLower(e)] {
			out = append(out, e)
		}
	}
	return out
}

func isAcronym(s string) bool {
	return len(s) >= 2 && strings.ToUpper(s) == s && strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// mentions reports whether text names entity e: every content word of e
// appears in text, exactly ("Porto" is not "Port").
func mentions(text, e string) bool {
	have := termSet(text)
	for _, t := range contentTerms(e) {
		if !have[t] {
			return false
		}
	}
	return true
}

// leadRatio is the share of the best relevance a sentence needs to lead
// the answer in its place because it holds a phrase of the kind the
// question asks for.
const leadRatio = 0.8

// untypedMargin is how much more relevance a question asking for a date
// or a number needs when no sentence near the best holds one: such
// sentences share the question's words without answering it.
const untypedMargin = 0.2

// minRelevance is the relevance the best sentence needs for the question
// to be answered: MinRelevance, raised by untypedMargin for a question
// asking for a date or a number that no sentence near the best holds.
func (p *Pipeline) minRelevance(q string, cands []candidate) float64 {
	k := questionKind(q)
	if k != kindDate && k != kindNumber || len(cands) == 0 {
		return p.cfg.MinRelevance
	}
	for _, c := range cands {
		if c.rel < leadRatio*cands[0].rel {
			break
		}
		if c.code == nil && answerPhrase(q, c.text) != "" {
			return p.cfg.MinRelevance
		}
	}
	return p.cfg.MinRelevance + untypedMargin
}

// addsSupport reports whether c holds a word of the question that none of
// the picked sentences holds: only then is it worth quoting as well.
func addsSupport(q string, c candidate, picked []candidate) bool {
	have := make(map[string]bool)
	for _, pc := range picked {
		for t := range termSet(pc.text) {
			have[t] = true
		}
	}
	cs := termSet(c.text)
	for _, t := range contentTerms(q) {
		if cs[t] && !have[t] {
			return true
		}
	}
	return false
}

// quoted is what an answer quotes of a sentence: the sentence, with the
// one before it when it opens with a word referring back ("They range
// …"), and when it only leads into a list ("The steps are:") the list
// that follows.
func quoted(c candidate) string {
	s := strings.TrimSpace(c.text)
	if leansBack(c) {
		s = strings.TrimSpace(c.prev) + " " + s
	}
	if strings.HasSuffix(s, ":") && c.next != "" {
		s += " " + strings.TrimSpace(c.next)
	}
	return s
}

// leadIn is what comes before the first quote: a yes or a no when the
// quoted sentence settles a yes/no question, a note when the question
// names someone or something the sentence does not, or else the phrase
// that answers the question, in bold.
func leadIn(q string, c candidate, p rag.Passage) string {
	if yesNoQuestion(q) {
		if reversed(q, c.text) {
			return "No. "
		}
		return settle(q, c.text, p.Title)
	}
	if reversed(q, c.text) {
		return "The material says otherwise: "
	}
	phrase := answerPhrase(q, c.text)
	if note := premiseNote(q, c, p, phrase); note != "" {
		return note
	}
	if phrase != "" {
		return "**" + inert(phrase) + "**: "
	}
	return ""
}

// settle answers a yes/no question from sentence s: "Yes." when s (with
// its document's title, which names what it speaks of) holds every
// content word of the question with the same polarity, "No." when
// it holds them all but one of the two is negated, else it only quotes.
func settle(q, s, title string) string {
	terms := contentTerms(q)
	var keep []string
	for _, t := range terms {
		if !negationTerm[t] && !auxiliaries[t] {
			keep = append(keep, t)
		}
	}
	if len(keep) == 0 || coverage(keep, termSet(s+" "+title)) < 1 || unsettled(q, s) {
		return "The material says: "
	}
	if polarity(q)%2 == polarity(s)%2 {
		return "Yes. "
	}
	return "No. "
}

// modalRe finds what makes a clause an obligation, a plan or a
// possibility rather than a fact: "was required to renounce" does not
// say that it was renounced.
var modalRe = regexp.MustCompile(`(?i)\b(?:(?:required|asked|urged|pressed|expected|supposed|planned|plans?|planning|wanted|wants?|intended|intends?|demanded|ordered|obliged|obligated|forced|meant|hoped?|hoping|promised|promises?|agreed|threatened|tried|trying|sought|seeks?|aims?|aimed|likely|willing)\s+(?:\w+\s+)?to|would|could|might|may|should|must|ought|if|unless|whether)\b`)

// unsettled reports whether sentence s states the question's relation
// only as an obligation, plan or possibility that the question does not
// ask about.
func unsettled(q, s string) bool {
	return modalRe.MatchString(s) && !modalRe.MatchString(strings.TrimPrefix(strings.ToLower(q), strings.ToLower(firstWord(q))))
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// refusalRe finds verbs that negate what follows them: "refused to
// lower" says it was not lowered.
var refusalRe = regexp.MustCompile(`(?i)\b(?:refused|refuses|refuse|failed|fails|declined|declines)\s+to\b`)

// polarity counts the negations of s, the refusing verbs among them.
func polarity(s string) int { return negations(s) + len(refusalRe.FindAllStringIndex(s, -1)) }

// negationTerm: the content terms that negate, matched by polarity rather
// than as words.
var negationTerm = map[string]bool{"not": true, "no": true, "nor": true, "never": true, "none": true, "neither": true, "without": true, "cannot": true}

// premiseNote says what the material says instead when the question names
// someone or something that the quoted sentence (with the ones around it
// and the document's title) does not mention. Acronyms are left out: the
// material may spell them out.
func premiseNote(q string, c candidate, p rag.Passage, phrase string) string {
	around := c.prev + " " + c.text + " " + c.next + " " + p.Title
	var missing []string
	for _, e := range questionEntities(q) {
		if !isAcronym(e) && !mentions(around, e) {
			missing = append(missing, e)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	not := inert(strings.Join(missing, " or "))
	if questionKind(q) == kindPerson && phrase != "" {
		return "The material attributes this to **" + inert(phrase) + "**, not to " + not + ": "
	}
	return "The material does not say this of " + not + "; it says: "
}

// opposites pairs words whose relations run the other way: a question
// about what someone lost, answered by a sentence about what they seized,
// reverses it.
var opposites = func() map[string][]string {
	m := make(map[string][]string)
	for _, pair := range strings.Split(`lose:seize lose:win lose:gain lose:capture lose:take lose:conquer
	rise:fall increase:decrease increase:fall increase:drop grow:shrink open:close accept:reject join:leave
	start:end begin:end allow:ban allow:forbid support:oppose buy:sell import:export before:after
	win:defeat attack:defend arrive:depart enter:exit appoint:dismiss hire:fire add:remove`, " ") {
		a, b, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok {
			continue
		}
		a, b = term(a), term(b)
		m[a] = append(m[a], b)
		m[b] = append(m[b], a)
	}
	return m
}()

// reversed reports whether sentence s runs a relation of the question the
// other way: it lacks one of the question's words and holds its opposite
// ("lose" asked, "seized" said).
func reversed(q, s string) bool {
	have := termSet(s)
	for _, t := range contentTerms(q) {
		if have[t] {
			continue
		}
		for _, o := range opposites[t] {
			if have[o] || prefixMatch(o, have) {
				return true
			}
		}
	}
	return false
}

// inert makes document text safe to show inside an answer: brackets
// become parentheses, so that "[14]" or "[SD]" cannot be read as a
// citation and "[text](url)" cannot become a masked link.
func inert(s string) string {
	return strings.NewReplacer("[", "(", "]", ")").Replace(s)
}
