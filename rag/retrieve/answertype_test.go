package retrieve

import "testing"

func TestAnswerTypeOf(t *testing.T) {
	for _, tc := range []struct {
		question string
		want     answerType
	}{
		{"Who founded the observatory?", nameType},
		{"Where does the railway end?", nameType},
		{"When was the bridge built?", numberType},
		{"How many hives survived the winter?", numberType},
		{"How much did it cost?", numberType},
		{"In what year did the line close?", numberType},
		{"Which company built the telescope?", nameType},
		{"What city is the capital?", nameType},
		{"How do bees keep warm?", anyType},
		{"What did the movement grow out of?", anyType},
		{"Sedimentary rock can be turned into which of the three types of rock?", anyType},
		{"Name the river.", anyType},
	} {
		t.Run(tc.question, func(t *testing.T) {
			if got := answerTypeOf(tc.question); got != tc.want {
				t.Errorf("answerTypeOf() = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestAnswerTypeHolds(t *testing.T) {
	for _, tc := range []struct {
		name     string
		t        answerType
		sentence string
		question string
		want     bool
	}{
		{"digits", numberType, "The line opened in 1884.", "When did the line open?", true},
		{"number word", numberType, "Apollo would carry three astronauts.", "How many people could Apollo hold?", true},
		{"percent", numberType, "This comprises more than 60% of the land.", "How much of the land is farmed?", true},
		{"no number", numberType, "The line opened late.", "When did the line open?", false},
		{"new name", nameType, "The college was named after John Harvard.", "Who is the college named after?", true},
		{"only the asked name", nameType, "The college grew under Harvard rules.", "Who led Harvard college?", false},
		{"sentence start does not count", nameType, "Bees cluster in winter.", "Who clusters?", false},
		{"any type holds nowhere", anyType, "Anything at all in 1900 by Smith.", "Why?", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.t.holds(tc.sentence, tc.question); got != tc.want {
				t.Errorf("holds(%q) = %v, want %v", tc.sentence, got, tc.want)
			}
		})
	}
}

func TestIsQuestion(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  bool
	}{
		{"Who founded the observatory?", true},
		{"how do bees keep warm", true},
		{"Did the line close in 1958", true},
		{"The line closed in 1958?", true},
		{"0-dimensional biomaterials lack inductive properties.", false},
		{"canal locks steam pump", false},
		{"  ", false},
	} {
		t.Run(tc.query, func(t *testing.T) {
			if got := isQuestion(tc.query); got != tc.want {
				t.Errorf("isQuestion() = %v, want %v", got, tc.want)
			}
		})
	}
}
