package ops

import (
	"context"
	"errors"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer"
	"github.com/citebot/citebot/rag/answer/llm"
)

// Answerer is what the Discord layer and the CLI ask: *answer.Pipeline
// implements it.
type Answerer interface {
	Answer(ctx context.Context, req rag.Request, partial func(string)) (*rag.Answer, error)
}

// Retriever finds passages; *retrieve.Retriever implements it.
type Retriever interface {
	Retrieve(ctx context.Context, collection, query string, k int) ([]rag.Passage, error)
}

// Error kinds counted by the decorators.
const (
	KindRetrieve        = "retrieve"
	KindLLM             = "llm"
	KindAnswer          = "answer"
	KindTimeout         = "timeout"
	KindCanceled        = "canceled"
	KindInvalidQuestion = "invalid_question"
)

// InstrumentAnswerer counts questions, answers, refusals and errors of a,
// and times whole answers as StageTotal. Like every decorator here it
// accepts a nil m, and then only passes calls through.
func InstrumentAnswerer(a Answerer, m *Metrics) Answerer {
	return &answerer{next: a, m: m}
}

type answerer struct {
	next Answerer
	m    *Metrics
}

func (a *answerer) Answer(ctx context.Context, req rag.Request, partial func(string)) (*rag.Answer, error) {
	start := time.Now()
	a.m.Question()
	ans, err := a.next.Answer(ctx, req, partial)
	a.m.ObserveStage(StageTotal, time.Since(start))
	if err != nil {
		a.m.Error(answerErrorKind(ctx, err))
		return nil, err
	}
	a.m.Answer(ans != nil && ans.Refused)
	return ans, nil
}

// answerErrorKind classifies an answer error: the caller's mistakes and
// deadlines apart from failures of the pipeline, whose stage the stage
// decorators count.
func answerErrorKind(ctx context.Context, err error) string {
	switch {
	case errors.Is(err, answer.ErrEmptyQuestion), errors.Is(err, answer.ErrQuestionTooLong):
		return KindInvalidQuestion
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return KindCanceled
	}
	return KindAnswer
}

// InstrumentRetriever times r as StageRetrieve and counts its errors.
func InstrumentRetriever(r Retriever, m *Metrics) Retriever {
	return &retriever{next: r, m: m}
}

type retriever struct {
	next Retriever
	m    *Metrics
}

func (r *retriever) Retrieve(ctx context.Context, collection, query string, k int) ([]rag.Passage, error) {
	start := time.Now()
	ps, err := r.next.Retrieve(ctx, collection, query, k)
	r.m.ObserveStage(StageRetrieve, time.Since(start))
	if err != nil {
		r.m.Error(KindRetrieve)
	}
	return ps, err
}

// InstrumentChat times c as StageLLM and counts its errors.
func InstrumentChat(c answer.ChatModel, m *Metrics) answer.ChatModel {
	return &chat{next: c, m: m}
}

type chat struct {
	next answer.ChatModel
	m    *Metrics
}

func (c *chat) Chat(ctx context.Context, msgs []llm.Message, partial func(string)) (string, error) {
	start := time.Now()
	s, err := c.next.Chat(ctx, msgs, partial)
	c.m.ObserveStage(StageLLM, time.Since(start))
	if err != nil {
		c.m.Error(KindLLM)
	}
	return s, err
}

func (c *chat) Model() string { return c.next.Model() }

// Timer times one stage: defer m.Timer(StageRender)() or call the returned
// func when the stage ends.
func (m *Metrics) Timer(stage string) func() {
	start := time.Now()
	return func() { m.ObserveStage(stage, time.Since(start)) }
}
