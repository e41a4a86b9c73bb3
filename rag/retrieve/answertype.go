package retrieve

import (
	"strings"
	"unicode"
)

// answerType is what a question asks for, as far as its wh-word tells:
// the sentence that answers "how many" holds a number, the one that
// answers "who" a name the question does not already hold.
type answerType int

const (
	anyType answerType = iota
	numberType
	nameType
)

// numberHeads follow "how" in questions that want a quantity; unitHeads
// follow "what" or "which" in questions that want a number or a date;
// nameHeads follow them in questions that want a name.
var (
	numberHeads = set("many", "much", "long", "old", "far", "large", "big", "tall", "often", "high", "deep", "wide")
	unitHeads   = set("year", "years", "percentage", "percent", "number", "amount", "date", "age", "decade", "century", "month", "day")
	nameHeads   = set("city", "cities", "country", "countries", "company", "companies", "person", "individual", "organization",
		"organisation", "state", "river", "university", "school", "college", "group", "president", "team", "town", "region",
		"party", "agency", "author", "scientist", "man", "woman", "king", "queen", "mission", "program", "programme")
	// numberWords hold a quantity or a date without a digit.
	numberWords = set("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
		"dozen", "twenty", "thirty", "forty", "fifty", "hundred", "hundreds", "thousand", "thousands", "million", "millions",
		"billion", "billions", "half", "quarter", "twice", "first", "second", "third", "fourth", "fifth",
		"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// words splits text into its words, letters and digits only.
func words(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '%' })
}

// answerTypeOf reads the question's first wh-word and the word after it.
func answerTypeOf(question string) answerType {
	ws := words(strings.ToLower(question))
	for i, w := range ws {
		next := ""
		if i+1 < len(ws) {
			next = ws[i+1]
		}
		switch w {
		case "who", "whom", "whose", "where":
			return nameType
		case "when":
			return numberType
		case "how":
			if numberHeads[next] {
				return numberType
			}
			return anyType
		case "what", "which":
			switch {
			case unitHeads[next]:
				return numberType
			case nameHeads[next]:
				return nameType
			}
			return anyType
		}
	}
	return anyType
}

// holds reports whether sentence holds an answer of type t to question:
// a number (digits or a number word) or a capitalised word, not the
// sentence's first, that the question does not hold. anyType holds
// nowhere: the caller uses the plain sentence share for it.
func (t answerType) holds(sentence, question string) bool {
	switch t {
	case numberType:
		for _, w := range words(sentence) {
			if strings.ContainsFunc(w, unicode.IsDigit) || numberWords[strings.ToLower(w)] {
				return true
			}
		}
	case nameType:
		asked := set(words(strings.ToLower(question))...)
		for i, w := range words(sentence) {
			if i > 0 && unicode.IsUpper([]rune(w)[0]) && !asked[strings.ToLower(w)] {
				return true
			}
		}
	}
	return false
}

// auxiliaries open yes/no questions ("Did the line close?").
var auxiliaries = set("is", "are", "was", "were", "do", "does", "did", "can", "could", "has", "have", "had", "will",
	"would", "should", "may", "might", "must", "shall")

// isQuestion reports whether query is asked as a question: it ends in a
// question mark, or opens with a wh-word or an auxiliary. The sentence
// stage re-ranks questions only: their answer sits in one sentence, while
// a claim or a list of keywords is matched by the whole passage.
func isQuestion(query string) bool {
	q := strings.TrimSpace(query)
	if strings.HasSuffix(q, "?") {
		return true
	}
	ws := words(strings.ToLower(q))
	if len(ws) == 0 {
		return false
	}
	switch ws[0] {
	case "who", "whom", "whose", "what", "which", "when", "where", "why", "how":
		return true
	}
	return auxiliaries[ws[0]]
}
