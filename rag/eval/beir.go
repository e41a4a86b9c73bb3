package eval

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// BEIRDoc is one line of a BEIR corpus.jsonl.
type BEIRDoc struct {
	ID    string `json:"_id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// BEIRQuery is one line of a BEIR queries.jsonl.
type BEIRQuery struct {
	ID   string `json:"_id"`
	Text string `json:"text"`
}

// Qrels maps a query id to the graded relevance of each judged document.
// Grades above zero mark relevant documents; zero and negative grades are
// judged non-relevant.
type Qrels map[string]map[string]int

// ReadBEIRCorpus streams a BEIR corpus.jsonl, calling fn with each document
// in file order, so that a large corpus never sits in memory whole. Other
// fields (BEIR's "metadata") are ignored; a document may have an empty
// title or text, as a few in BEIR's sets do. It stops at fn's first error.
func ReadBEIRCorpus(r io.Reader, fn func(BEIRDoc) error) error {
	err := eachLine(r, func(_ int, line []byte) error {
		var d BEIRDoc
		if err := json.Unmarshal(line, &d); err != nil {
			return fmt.Errorf("bad json: %w", err)
		}
		if d.ID == "" {
			return errors.New(`missing "_id"`)
		}
		return fn(d)
	})
	if err != nil {
		return fmt.Errorf("read beir corpus: %w", err)
	}
	return nil
}

// ReadBEIRQueries reads a BEIR queries.jsonl; other fields are ignored.
func ReadBEIRQueries(r io.Reader) ([]BEIRQuery, error) {
	var qs []BEIRQuery
	err := eachLine(r, func(_ int, line []byte) error {
		var q BEIRQuery
		if err := json.Unmarshal(line, &q); err != nil {
			return fmt.Errorf("bad json: %w", err)
		}
		switch {
		case q.ID == "":
			return errors.New(`missing "_id"`)
		case strings.TrimSpace(q.Text) == "":
			return fmt.Errorf("query %q: missing \"text\"", q.ID)
		}
		qs = append(qs, q)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read beir queries: %w", err)
	}
	return qs, nil
}

// ReadQrels reads BEIR relevance judgments: tab- or space-separated lines
// "query-id corpus-id score", with an optional header line whose score
// column is not a number. TREC's four-column form "query-id 0 corpus-id
// score" is accepted too. A repeated pair keeps its last grade.
func ReadQrels(r io.Reader) (Qrels, error) {
	qrels := make(Qrels)
	first := true
	err := eachLine(r, func(_ int, line []byte) error {
		header := first
		first = false
		f := strings.Fields(string(line))
		if len(f) != 3 && len(f) != 4 {
			return fmt.Errorf("want 3 columns (query-id corpus-id score), got %d", len(f))
		}
		qid, did, score := f[0], f[len(f)-2], f[len(f)-1]
		grade, err := strconv.Atoi(score)
		if err != nil {
			if header {
				return nil
			}
			return fmt.Errorf("score %q is not an integer", score)
		}
		if qrels[qid] == nil {
			qrels[qid] = make(map[string]int)
		}
		qrels[qid][did] = grade
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read qrels: %w", err)
	}
	return qrels, nil
}
