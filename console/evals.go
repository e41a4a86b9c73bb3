package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/citebot/citebot/rag/eval"
	"github.com/citebot/citebot/rag/store"
)

// EvalRuns keeps QA sets and the evaluation runs made from them.
type EvalRuns interface {
	SaveQASet(ctx context.Context, q store.QASet) (int64, error)
	QASets(ctx context.Context, collection string) ([]store.QASet, error)
	QASetByID(ctx context.Context, collection string, id int64) (store.QASet, error)
	StartEvalRun(ctx context.Context, collection string, qaSetID int64, startedBy string) (int64, error)
	FinishEvalRun(ctx context.Context, id int64, report []byte, errMsg string) error
	EvalRuns(ctx context.Context, collection string, limit int) ([]store.EvalRun, error)
}

// evalRow is an evaluation run with its report decoded.
type evalRow struct {
	store.EvalRun
	Report *eval.AnswerReport
}

type evalData struct {
	Sets  []store.QASet
	Runs  []evalRow
	Error string
}

func (s *Server) evalPage(w http.ResponseWriter, r *http.Request, v *view) {
	s.showEval(w, r, v, http.StatusOK, "")
}

func (s *Server) showEval(w http.ResponseWriter, r *http.Request, v *view, status int, msg string) {
	v.Tab = "eval"
	sets, err := s.cfg.Evals.QASets(r.Context(), v.Collection)
	if err != nil {
		s.fail(w, r, v, "list the QA sets", err)
		return
	}
	runs, err := s.cfg.Evals.EvalRuns(r.Context(), v.Collection, runsShown)
	if err != nil {
		s.fail(w, r, v, "list the evaluation runs", err)
		return
	}
	d := evalData{Sets: sets, Error: msg}
	for _, run := range runs {
		row := evalRow{EvalRun: run}
		if len(run.Report) > 0 {
			var rep eval.AnswerReport
			if json.Unmarshal(run.Report, &rep) == nil {
				row.Report = &rep
			}
		}
		d.Runs = append(d.Runs, row)
	}
	s.render(w, r, status, "eval", v, d)
}

// saveQA stores a QA file (uploaded or pasted) once it parses.
func (s *Server) saveQA(w http.ResponseWriter, r *http.Request, v *view) {
	name := strings.TrimSpace(r.FormValue("name"))
	body := r.FormValue("body")
	if _, data, err := readUpload(r); err == nil && len(data) > 0 {
		body = string(data)
	}
	if name == "" || len(name) > 200 {
		s.showEval(w, r, v, http.StatusBadRequest, "Give the QA set a name (at most 200 characters).")
		return
	}
	items, err := eval.ReadQA(strings.NewReader(body))
	if err == nil && len(items) == 0 {
		err = errors.New("no questions")
	}
	if err != nil {
		s.showEval(w, r, v, http.StatusBadRequest, "That QA file was not stored: "+err.Error())
		return
	}
	if _, err := s.cfg.Evals.SaveQASet(r.Context(), store.QASet{Collection: v.Collection, Name: name, Body: body,
		Questions: len(items)}); err != nil {
		s.fail(w, r, v, "store the QA set", err)
		return
	}
	http.Redirect(w, r, "/c/"+url.PathEscape(v.Collection)+"/eval", http.StatusSeeOther)
}

// startEval runs `eval answers` on a stored QA set in the background.
func (s *Server) startEval(ctx context.Context, w http.ResponseWriter, r *http.Request, v *view) {
	id, ok := atoi64(r.FormValue("qa"))
	if !ok {
		s.showEval(w, r, v, http.StatusBadRequest, "Choose a QA set to run.")
		return
	}
	set, err := s.cfg.Evals.QASetByID(r.Context(), v.Collection, id)
	if errors.Is(err, store.ErrNotFound) {
		s.showEval(w, r, v, http.StatusNotFound, "No such QA set in this collection.")
		return
	}
	if err != nil {
		s.fail(w, r, v, "read the QA set", err)
		return
	}
	runID, err := s.cfg.Evals.StartEvalRun(r.Context(), v.Collection, set.ID, v.Who)
	if err != nil {
		s.fail(w, r, v, "start the evaluation", err)
		return
	}
	go s.runEval(ctx, runID, v.Collection, set)
	http.Redirect(w, r, "/c/"+url.PathEscape(v.Collection)+"/eval", http.StatusSeeOther)
}

func (s *Server) runEval(ctx context.Context, id int64, collection string, set store.QASet) {
	report, err := s.evaluate(ctx, collection, set)
	msg := ""
	if err != nil {
		msg = err.Error()
		s.log.ErrorContext(ctx, "console eval", "run", id, "err", err)
	}
	if err := s.cfg.Evals.FinishEvalRun(context.WithoutCancel(ctx), id, report, msg); err != nil {
		s.log.ErrorContext(ctx, "console eval finish", "run", id, "err", err)
	}
}

// evaluate is `citebot eval answers --json` on a stored QA set.
func (s *Server) evaluate(ctx context.Context, collection string, set store.QASet) ([]byte, error) {
	items, err := eval.ReadQA(strings.NewReader(set.Body))
	if err != nil {
		return nil, fmt.Errorf("read qa set: %w", err)
	}
	rep, err := eval.RunAnswers(ctx, s.cfg.Answerer, collection, items)
	if err != nil {
		return nil, err
	}
	rep.Failures = nil // as `eval answers --json` without --failures
	var buf bytes.Buffer
	if err := eval.WriteJSON(&buf, rep); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(buf.Bytes()), nil
}
