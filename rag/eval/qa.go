package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxLine bounds one JSONL line; BEIR documents are a few kilobytes, and a
// line longer than this is almost certainly a broken file.
const maxLine = 64 << 20

// QAItem is one judged question of a QA file.
type QAItem struct {
	// ID names the question in reports and errors; unique within a file.
	ID       string `json:"id"`
	Question string `json:"question"`
	// Gold holds substrings of the material that answer the question; a
	// passage containing any of them (case-insensitive, white space
	// normalised) is a hit. Required when Answerable.
	Gold []string `json:"gold"`
	// AnswerKeywords must all appear in a good answer's text. Optional:
	// questions without keywords are left out of keyword_hit.
	AnswerKeywords []string `json:"answer_keywords"`
	// Answerable is false for questions the material does not cover, which
	// the answerer should refuse.
	Answerable bool `json:"answerable"`
}

// qaLine is a QA line as decoded, with Answerable a pointer so that a
// missing field can be told from false.
type qaLine struct {
	ID             string   `json:"id"`
	Question       string   `json:"question"`
	Gold           []string `json:"gold"`
	AnswerKeywords []string `json:"answer_keywords"`
	Answerable     *bool    `json:"answerable"`
}

// LineError reports a bad line of a JSONL or TSV input, numbered from 1.
type LineError struct {
	Line int
	Err  error
}

// Error names the line and what is wrong with it.
func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the underlying error.
func (e *LineError) Unwrap() error { return e.Err }

// ReadQA reads a QA file: JSONL, one question a line, blank lines ignored.
// Every line needs "id", "question" and "answerable"; answerable questions
// also need a non-empty "gold". Unknown fields and repeated ids are errors,
// reported with their line number.
func ReadQA(r io.Reader) ([]QAItem, error) {
	var items []QAItem
	seen := make(map[string]int)
	err := eachLine(r, func(n int, line []byte) error {
		item, err := parseQALine(line)
		if err != nil {
			return err
		}
		if first, dup := seen[item.ID]; dup {
			return fmt.Errorf("id %q already used on line %d", item.ID, first)
		}
		seen[item.ID] = n
		items = append(items, item)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read qa: %w", err)
	}
	return items, nil
}

func parseQALine(line []byte) (QAItem, error) {
	var q qaLine
	if err := decodeStrict(line, &q); err != nil {
		return QAItem{}, err
	}
	switch {
	case q.ID == "":
		return QAItem{}, errors.New(`missing "id"`)
	case q.Question == "":
		return QAItem{}, fmt.Errorf(`question %q: missing "question"`, q.ID)
	case q.Answerable == nil:
		return QAItem{}, fmt.Errorf(`question %q: missing "answerable"`, q.ID)
	case *q.Answerable && len(nonEmpty(q.Gold)) == 0:
		return QAItem{}, fmt.Errorf(`question %q: answerable but no "gold" strings`, q.ID)
	}
	return QAItem{
		ID:             q.ID,
		Question:       q.Question,
		Gold:           nonEmpty(q.Gold),
		AnswerKeywords: nonEmpty(q.AnswerKeywords),
		Answerable:     *q.Answerable,
	}, nil
}

// nonEmpty drops strings that are empty after white space normalisation,
// which would otherwise match everything.
func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if Normalize(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// decodeStrict decodes one JSON object, rejecting unknown fields and
// trailing data.
func decodeStrict(line []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad json: %w", err)
	}
	if dec.More() {
		return errors.New("bad json: more than one value on the line")
	}
	return nil
}

// eachLine calls fn with every non-blank line of r and its number, and
// wraps fn's errors in a LineError.
func eachLine(r io.Reader, fn func(n int, line []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if len(line) == 0 {
			continue
		}
		if err := fn(n, line); err != nil {
			return &LineError{Line: n, Err: err}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("after line %d: %w", n, err)
	}
	return nil
}
