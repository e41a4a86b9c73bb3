// Package ops is citebot's operational side: Prometheus metrics on a
// private registry, decorators that time and count the answer pipeline's
// stages without changing it, an HTTP handler serving /metrics, /healthz
// and /readyz, and slog handlers that tag records with a request id and
// redact secrets.
//
// Label values are a small fixed vocabulary (stage names, error kinds,
// rate-limit scopes): Label folds anything else into "other", so that a
// caller cannot grow the number of series without bound.
package ops

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Stages timed by ObserveStage and the decorators.
const (
	StageRetrieve = "retrieve"
	StageLLM      = "llm"
	StageRender   = "render"
	StageTotal    = "total"
)

// Ingest outcomes counted by Ingested.
const (
	OutcomeAdded     = "added"
	OutcomeUpdated   = "updated"
	OutcomeUnchanged = "unchanged"
	OutcomeRemoved   = "removed"
	OutcomeFailed    = "failed"
)

// stageBuckets span a cached search (milliseconds) to a slow LLM answer
// (two minutes).
var stageBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 40, 80, 120}

// Metrics holds citebot's Prometheus metrics on a registry of its own. Its
// methods are safe for concurrent use; a nil *Metrics ignores every call,
// so that callers need not check whether metrics are on.
type Metrics struct {
	reg         *prometheus.Registry
	questions   prometheus.Counter
	answers     prometheus.Counter
	refusals    prometheus.Counter
	errors      *prometheus.CounterVec
	stages      *prometheus.HistogramVec
	documents   *prometheus.CounterVec
	chunks      prometheus.Counter
	queueDepth  prometheus.Gauge
	rateLimited *prometheus.CounterVec
}

// New returns metrics registered on a fresh registry, together with the Go
// runtime and process collectors. Known label values start at zero, so
// that their series exist before the first event.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		questions: prometheus.NewCounter(prometheus.CounterOpts{Name: "citebot_questions_total",
			Help: "Questions received by the answerer."}),
		answers: prometheus.NewCounter(prometheus.CounterOpts{Name: "citebot_answers_total",
			Help: "Answers returned, refusals included."}),
		refusals: prometheus.NewCounter(prometheus.CounterOpts{Name: "citebot_refusals_total",
			Help: "Answers that were refusals: the material did not cover the question."}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "citebot_errors_total",
			Help: "Errors by kind."}, []string{"kind"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "citebot_stage_duration_seconds",
			Help: "Latency of each answering stage.", Buckets: stageBuckets}, []string{"stage"}),
		documents: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "citebot_ingest_documents_total",
			Help: "Documents seen by ingestion, by outcome."}, []string{"outcome"}),
		chunks: prometheus.NewCounter(prometheus.CounterOpts{Name: "citebot_ingest_chunks_total",
			Help: "Chunks written by ingestion."}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{Name: "citebot_queue_depth",
			Help: "Answers waiting for a worker."}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "citebot_rate_limited_total",
			Help: "Requests rejected by a rate limit, by scope."}, []string{"scope"}),
	}
	m.reg.MustRegister(m.questions, m.answers, m.refusals, m.errors, m.stages, m.documents, m.chunks,
		m.queueDepth, m.rateLimited, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, s := range []string{StageRetrieve, StageLLM, StageRender, StageTotal} {
		m.stages.WithLabelValues(s)
	}
	for _, o := range []string{OutcomeAdded, OutcomeUpdated, OutcomeUnchanged, OutcomeRemoved, OutcomeFailed} {
		m.documents.WithLabelValues(o)
	}
	return m
}

// Registry is the registry the metrics live on, for a caller that wants
// to add its own collectors or serve it elsewhere.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Question counts a question received.
func (m *Metrics) Question() {
	if m != nil {
		m.questions.Inc()
	}
}

// Answer counts an answer returned, and a refusal when refused.
func (m *Metrics) Answer(refused bool) {
	if m == nil {
		return
	}
	m.answers.Inc()
	if refused {
		m.refusals.Inc()
	}
}

// Error counts an error of the given kind, e.g. "retrieve", "llm",
// "timeout" or "discord".
func (m *Metrics) Error(kind string) {
	if m != nil {
		m.errors.WithLabelValues(Label(kind)).Inc()
	}
}

// ObserveStage records how long a stage took: StageRetrieve, StageLLM,
// StageRender, StageTotal or another short name.
func (m *Metrics) ObserveStage(stage string, d time.Duration) {
	if m != nil {
		m.stages.WithLabelValues(Label(stage)).Observe(d.Seconds())
	}
}

// RateLimited counts a request rejected by the rate limit of scope, e.g.
// "user" or "guild".
func (m *Metrics) RateLimited(scope string) {
	if m != nil {
		m.rateLimited.WithLabelValues(Label(scope)).Inc()
	}
}

// QueueDepth sets how many answers wait for a worker.
func (m *Metrics) QueueDepth(n int) {
	if m != nil {
		m.queueDepth.Set(float64(n))
	}
}

// IngestCounts is what one ingest run did: documents by outcome and the
// chunks it wrote.
type IngestCounts struct {
	Added, Updated, Unchanged, Removed, Failed int
	Chunks                                     int
}

// Ingested counts the documents and chunks of one ingest run.
func (m *Metrics) Ingested(c IngestCounts) {
	if m == nil {
		return
	}
	for _, o := range []struct {
		name string
		n    int
	}{{OutcomeAdded, c.Added}, {OutcomeUpdated, c.Updated}, {OutcomeUnchanged, c.Unchanged},
		{OutcomeRemoved, c.Removed}, {OutcomeFailed, c.Failed}} {
		if o.n > 0 {
			m.documents.WithLabelValues(o.name).Add(float64(o.n))
		}
	}
	if c.Chunks > 0 {
		m.chunks.Add(float64(c.Chunks))
	}
}

// maxLabel is the longest label value kept as given.
const maxLabel = 32

// Label returns s when it is a short name of lower-case letters, digits
// and underscores, and "other" otherwise: label values must come from a
// small vocabulary, never from user input or error text.
func Label(s string) string {
	if s == "" || len(s) > maxLabel {
		return "other"
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return "other"
		}
	}
	return s
}
