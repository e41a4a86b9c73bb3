package bot

import (
	"context"
	"time"

	"github.com/citebot/citebot/rag"
)

// Answerer answers a question from a collection's documents. partial, when
// not nil, receives the answer text so far while it is being written; it
// may be called from the Answerer's goroutine and must not block long.
type Answerer interface {
	Answer(ctx context.Context, req rag.Request, partial func(text string)) (*rag.Answer, error)
}

// Summarizer summarizes one document of a collection, optionally focused
// on a topic. document is a source as Library lists it; it is empty when
// the user named none (summarize the collection, or the topic across it).
type Summarizer interface {
	Summarize(ctx context.Context, collection, document, topic string) (*rag.Answer, error)
}

// Library is the part of the store the Discord layer reads and writes.
type Library interface {
	// Documents lists a page of a collection's documents and the total.
	Documents(ctx context.Context, collection string, offset, limit int) ([]rag.DocumentInfo, int, error)
	// SearchDocuments returns up to limit documents whose title or source
	// starts with or contains prefix, for autocomplete.
	SearchDocuments(ctx context.Context, collection, prefix string, limit int) ([]rag.DocumentInfo, error)
	// Forget removes a document by source; false when there was none.
	Forget(ctx context.Context, collection, source string) (bool, error)
	// SaveFeedback stores a 👍/👎 on an answer.
	SaveFeedback(ctx context.Context, f Feedback) error
	// ChannelCollection returns the collection mapped to a channel, with
	// ok false when the channel has no mapping.
	ChannelCollection(ctx context.Context, guildID, channelID string) (collection string, ok bool, err error)
	// MapChannel maps a channel to a collection.
	MapChannel(ctx context.Context, guildID, channelID, collection string) error
}

// Ingester adds documents to a collection. progress, when not nil, is
// called as work advances; it must not block long.
type Ingester interface {
	// IngestUpload ingests one uploaded file.
	IngestUpload(ctx context.Context, collection, filename string, data []byte, progress func(IngestProgress)) (IngestSummary, error)
	// IngestURL fetches and ingests one http(s) document.
	IngestURL(ctx context.Context, collection, url string, progress func(IngestProgress)) (IngestSummary, error)
	// CrawlURL crawls the site under an http(s) URL and remembers it for
	// re-syncs.
	CrawlURL(ctx context.Context, collection, url string, progress func(IngestProgress)) (IngestSummary, error)
	// Resync re-reads every source of a collection and updates the index.
	Resync(ctx context.Context, collection string, progress func(IngestProgress)) (IngestSummary, error)
}

// IngestProgress reports how far an ingest run is.
type IngestProgress struct {
	Done    int    // sources finished
	Total   int    // sources in the run; 0 when unknown
	Current string // the source being processed; may be empty
}

// IngestSummary is what an ingest run did.
type IngestSummary struct {
	Added     int // new documents
	Updated   int // documents whose content changed
	Unchanged int // documents skipped as identical
	Removed   int // documents gone from their source
	Failed    int // documents that could not be read
	Chunks    int // chunks written
	// Errors holds short per-source error descriptions, without document
	// text.
	Errors []string
	// Gate is the verdict of a gated run (JobGatedResync); nil otherwise.
	Gate *GateReport
}

// Feedback is one 👍/👎 on an answer.
type Feedback struct {
	GuildID    string // empty for a DM
	ChannelID  string
	UserID     string // who pressed the button
	Collection string // where the answer came from
	Question   string
	Answer     string  // the answer text as rendered, with [n] citations
	ChunkIDs   []int64 // the cited chunks, in citation order
	Helpful    bool    // 👍 true, 👎 false
	At         time.Time
	AnswerID   int64 // the stored answer rated
}

// Answers keeps the answers the bot posts and the conversations they
// form, so that thread history and the buttons under an answer work after
// a restart and on any replica.
type Answers interface {
	// SaveAnswer stores an answer before it is posted and returns its id,
	// which the answer's buttons carry.
	SaveAnswer(ctx context.Context, a StoredAnswer) (int64, error)
	// AnswerPosted records the thread the conversation continues in and
	// the answer's first message.
	AnswerPosted(ctx context.Context, id int64, threadID, messageID string) error
	// Answer returns a stored answer; ok is false when there is none.
	Answer(ctx context.Context, id int64) (a StoredAnswer, ok bool, err error)
	// ThreadTurns returns the last n public turns of a thread, oldest
	// first.
	ThreadTurns(ctx context.Context, threadID string, n int) ([]rag.Turn, error)
}

// Kinds of stored answers.
const (
	KindAsk     = "ask"
	KindMention = "mention"
	KindSummary = "summary"
)

// StoredAnswer is an answer as the bot stores it.
type StoredAnswer struct {
	ID         int64
	Kind       string // KindAsk, KindMention or KindSummary
	Collection string
	GuildID    string // empty for a DM
	ChannelID  string
	// ThreadID is the thread whose conversation the answer continues;
	// empty outside threads.
	ThreadID      string
	MessageID     string
	InteractionID string
	Question      string
	Query         string // the standalone query retrieval ran
	Text          string // the answer as rendered, with [n] citations
	Mode          string
	Refused       bool
	Private       bool // ephemeral: never part of a thread's history
	Sources       []rag.Source
	Latency       time.Duration
	// Relevance and LowConfidence are the answer's (rag.Answer).
	Relevance     float64
	LowConfidence bool
}
