package cli

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/citebot/citebot/rag/chunk"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/retrieve"
)

// Config is every setting, read from flags and the environment once and
// validated before anything runs. Flags win over the environment.
type Config struct {
	DatabaseURL string
	ModelDir    string
	Collection  string
	LogLevel    string

	// DatabaseReadURL is a streaming replica for lag-tolerant reads
	// (rag/store.AttachReadReplica); empty: everything on DatabaseURL.
	DatabaseReadURL string

	EmbedURL, EmbedKey, EmbedModel string
	EmbedDim, EmbedBatch           int

	LLMURL, LLMKey, LLMModel string
	LLMTemperature           float64
	LLMMaxTokens             int
	LLMTimeout               time.Duration
	AllowGeneralKnowledge    bool
	MaxQuestion              int
	// StoreQuestions keeps question and answer text; false keeps counts.
	StoreQuestions bool

	Retrieval        retrieve.Config
	ChunkTokens      int
	Overlap          int
	AllowPrivateURLs bool
	MaxTextBytes     int
	MaxChunks        int
	ParseTimeout     time.Duration
	CrawlDelay       time.Duration
	GitCache         string
	SyncInterval     time.Duration
	// GateQA is the QA file /reingest gate:true checks ("" for the
	// answers rated helpful); GateTolerance how many gate questions a
	// gated re-ingest may break.
	GateQA        string
	GateTolerance int

	DiscordToken, DiscordAPI, DevGuild string
	MessageContent                     bool
	InteractionsAddr, PublicKey        string
	MetricsAddr                        string
	ShardID, ShardCount                int
	// Retention is how long stored answers are kept; 0 keeps them.
	Retention time.Duration
	// StalePoll is how often serve looks for stale answers to mark.
	StalePoll time.Duration

	ConsoleAddr, ConsoleURL, ConsoleToken, ConsoleSecret string
	DiscordClientID, DiscordClientSecret                 string
}

// binder registers settings on a flag set with their environment
// variables as defaults, remembering malformed environment values.
type binder struct {
	fs   *flag.FlagSet
	env  func(key string) string
	errs []error
}

// common registers the settings every subcommand shares.
func (b *binder) common(c *Config) {
	env := b.env
	b.str(&c.DatabaseURL, "database-url", env("DATABASE_URL"), "PostgreSQL URL (env DATABASE_URL; default: the project's own, from make db)")
	b.str(&c.DatabaseReadURL, "database-read-url", env("CITEBOT_DATABASE_READ_URL"), "PostgreSQL streaming replica for searches and reads; writes stay on --database-url (env CITEBOT_DATABASE_READ_URL)")
	b.str(&c.ModelDir, "model-dir", env("CITEBOT_MODEL_DIR"), "local embedding model folder (env CITEBOT_MODEL_DIR; default .cache/models/use-lite-0.2.0)")
	b.str(&c.Collection, "collection", or(env("CITEBOT_COLLECTION"), "default"), "collection to use (env CITEBOT_COLLECTION)")
	b.str(&c.LogLevel, "log-level", or(env("CITEBOT_LOG_LEVEL"), "info"), "debug, info, warn or error (env CITEBOT_LOG_LEVEL)")
	b.str(&c.EmbedURL, "embed-url", env("CITEBOT_EMBED_URL"), "OpenAI-compatible embeddings base URL; unset = the local model (env CITEBOT_EMBED_URL)")
	b.str(&c.EmbedModel, "embed-model", or(env("CITEBOT_EMBED_MODEL"), "text-embedding-3-small"), "embedding model at --embed-url (env CITEBOT_EMBED_MODEL)")
	c.EmbedKey = or(env("CITEBOT_EMBED_KEY"), env("OPENAI_API_KEY"))
	b.intv(&c.EmbedDim, "embed-dim", env("CITEBOT_EMBED_DIM"), 0, "embedding dimension; 0 = ask the endpoint (env CITEBOT_EMBED_DIM)")
	b.intv(&c.EmbedBatch, "embed-batch", env("CITEBOT_EMBED_BATCH"), 64, "texts per embeddings request (env CITEBOT_EMBED_BATCH)")
	b.str(&c.LLMURL, "llm-url", env("CITEBOT_LLM_URL"), "OpenAI-compatible chat base URL; unset = extractive answers (env CITEBOT_LLM_URL)")
	b.str(&c.LLMModel, "llm-model", or(env("CITEBOT_LLM_MODEL"), "gpt-4o-mini"), "chat model at --llm-url (env CITEBOT_LLM_MODEL)")
	c.LLMKey = or(env("CITEBOT_LLM_KEY"), env("OPENAI_API_KEY"))
	b.floatv(&c.LLMTemperature, "llm-temperature", env("CITEBOT_LLM_TEMPERATURE"), 0.1, "sampling temperature (env CITEBOT_LLM_TEMPERATURE)")
	b.intv(&c.LLMMaxTokens, "llm-max-tokens", env("CITEBOT_LLM_MAX_TOKENS"), 600, "longest answer in tokens (env CITEBOT_LLM_MAX_TOKENS)")
	b.durv(&c.LLMTimeout, "llm-timeout", env("CITEBOT_LLM_TIMEOUT"), 60*time.Second, "total deadline of one answer (env CITEBOT_LLM_TIMEOUT)")
	b.boolv(&c.AllowGeneralKnowledge, "allow-general-knowledge", env("CITEBOT_ALLOW_GENERAL_KNOWLEDGE"), "let the LLM answer beyond the material (env CITEBOT_ALLOW_GENERAL_KNOWLEDGE)")
	b.intv(&c.MaxQuestion, "max-question", env("CITEBOT_MAX_QUESTION"), 1000, "longest question in characters (env CITEBOT_MAX_QUESTION)")
	c.StoreQuestions = true
	b.boolv(&c.StoreQuestions, "store-questions", env("CITEBOT_STORE_QUESTIONS"), "store question, answer and feedback text; false keeps only counts (env CITEBOT_STORE_QUESTIONS)")
	b.retrieval(c)
	b.ingestion(c)
	b.gate(c)
}

// ingestion registers the caps on what one document may expand to.
func (b *binder) ingestion(c *Config) {
	env := b.env
	b.intv(&c.MaxTextBytes, "max-text-bytes", env("CITEBOT_MAX_TEXT_BYTES"), loader.DefaultMaxTextBytes, "most text extracted from one document, in bytes (env CITEBOT_MAX_TEXT_BYTES)")
	b.intv(&c.MaxChunks, "max-chunks", env("CITEBOT_MAX_CHUNKS"), chunk.DefaultMaxChunks, "most chunks of one document (env CITEBOT_MAX_CHUNKS)")
	b.durv(&c.ParseTimeout, "parse-timeout", env("CITEBOT_PARSE_TIMEOUT"), loader.DefaultParseTimeout, "deadline of parsing one document, OCR included (env CITEBOT_PARSE_TIMEOUT)")
}

func (b *binder) retrieval(c *Config) {
	env := b.env
	d := retrieve.DefaultConfig()
	c.Retrieval.Rerank = d.Rerank // fitted (rag/retrieve/rerank.json), not a flag
	b.str((*string)(&c.Retrieval.Mode), "mode", or(env("CITEBOT_MODE"), string(d.Mode)), "retrieval mode: hybrid, vector or text (env CITEBOT_MODE)")
	b.intv(&c.Retrieval.Candidates, "candidates", env("CITEBOT_CANDIDATES"), d.Candidates, "candidates per retrieval leg (env CITEBOT_CANDIDATES)")
	b.floatv(&c.Retrieval.TextWeight, "text-weight", env("CITEBOT_TEXT_WEIGHT"), d.TextWeight, "fusion weight of the BM25 leg (env CITEBOT_TEXT_WEIGHT)")
	b.floatv(&c.Retrieval.VectorWeight, "vector-weight", env("CITEBOT_VECTOR_WEIGHT"), d.VectorWeight, "fusion weight of the vector leg (env CITEBOT_VECTOR_WEIGHT)")
	b.floatv(&c.Retrieval.ProximityWeight, "proximity-weight", env("CITEBOT_PROXIMITY_WEIGHT"), d.ProximityWeight, "fusion weight of query terms found together (env CITEBOT_PROXIMITY_WEIGHT)")
	b.floatv(&c.Retrieval.K1, "bm25-k1", env("CITEBOT_BM25_K1"), d.K1, "BM25 k1 (env CITEBOT_BM25_K1)")
	b.floatv(&c.Retrieval.B, "bm25-b", env("CITEBOT_BM25_B"), d.B, "BM25 b (env CITEBOT_BM25_B)")
	b.intv(&c.Retrieval.Neighbours, "neighbours", env("CITEBOT_NEIGHBOURS"), d.Neighbours, "chunks either side of a hit given to the answerer (env CITEBOT_NEIGHBOURS)")
	b.intv(&c.Retrieval.TermDepth, "term-depth", env("CITEBOT_TERM_DEPTH"), d.TermDepth, "postings read per query term by the text leg (env CITEBOT_TERM_DEPTH)")
	b.intv(&c.Retrieval.RerankDepth, "rerank-depth", env("CITEBOT_RERANK_DEPTH"), d.RerankDepth, "fused candidates re-ranked by their best sentence, 0 for none (env CITEBOT_RERANK_DEPTH)")
	b.intv(&c.ChunkTokens, "chunk-tokens", env("CITEBOT_CHUNK_TOKENS"), 0, "largest chunk in model tokens; 0 = the model's maximum (env CITEBOT_CHUNK_TOKENS)")
	b.intv(&c.Overlap, "overlap", env("CITEBOT_OVERLAP"), 16, "tokens carried between chunks (env CITEBOT_OVERLAP)")
	b.boolv(&c.AllowPrivateURLs, "allow-private-urls", env("CITEBOT_ALLOW_PRIVATE_URLS"), "let URL ingestion reach loopback and private addresses (env CITEBOT_ALLOW_PRIVATE_URLS)")
	b.durv(&c.CrawlDelay, "crawl-delay", env("CITEBOT_CRAWL_DELAY"), 500*time.Millisecond, "pause between two requests to a crawled site (env CITEBOT_CRAWL_DELAY)")
	b.str(&c.GitCache, "git-cache", or(env("CITEBOT_GIT_CACHE"), ".cache/git"), "folder for clones of remote git repositories (env CITEBOT_GIT_CACHE)")
}

// serve registers the Discord settings.
func (b *binder) serve(c *Config) {
	env := b.env
	c.DiscordToken = env("DISCORD_TOKEN")
	b.str(&c.DiscordAPI, "discord-api", or(env("CITEBOT_DISCORD_API"), "https://discord.com/api/v10"), "Discord REST base URL, e.g. a REST proxy (env CITEBOT_DISCORD_API)")
	b.str(&c.DevGuild, "dev-guild", env("CITEBOT_DEV_GUILD"), "register commands to this guild only (env CITEBOT_DEV_GUILD)")
	b.boolv(&c.MessageContent, "message-content", env("CITEBOT_MESSAGE_CONTENT"), "use the privileged message content intent (env CITEBOT_MESSAGE_CONTENT)")
	b.str(&c.InteractionsAddr, "interactions-addr", env("CITEBOT_INTERACTIONS_ADDR"), "serve an HTTP interactions endpoint on this address (env CITEBOT_INTERACTIONS_ADDR)")
	b.str(&c.PublicKey, "public-key", env("DISCORD_PUBLIC_KEY"), "application public key for --interactions-addr (env DISCORD_PUBLIC_KEY)")
	b.str(&c.MetricsAddr, "metrics-addr", env("CITEBOT_METRICS_ADDR"), "serve Prometheus metrics and health checks here; off when empty (env CITEBOT_METRICS_ADDR)")
	b.intv(&c.ShardID, "shard-id", env("CITEBOT_SHARD_ID"), 0, "this process's gateway shard (env CITEBOT_SHARD_ID)")
	b.intv(&c.ShardCount, "shard-count", env("CITEBOT_SHARD_COUNT"), 1, "number of gateway shards (env CITEBOT_SHARD_COUNT)")
	b.durv(&c.SyncInterval, "sync-interval", env("CITEBOT_SYNC_INTERVAL"), 0, "re-sync every collection's sources this often, once across replicas; 0 = never (env CITEBOT_SYNC_INTERVAL)")
	b.daysv(&c.Retention, "retention", env("CITEBOT_RETENTION"), 90*24*time.Hour, "keep stored answers this long, e.g. 90d or 720h; 0 keeps them (env CITEBOT_RETENTION)")
	b.durv(&c.StalePoll, "stale-poll", env("CITEBOT_STALE_POLL"), 30*time.Second, "look for answers whose sources changed this often, to mark their Discord messages (env CITEBOT_STALE_POLL)")
	b.console(c, false)
}

// dayDuration is a duration flag that also takes whole days, "90d".
type dayDuration struct{ p *time.Duration }

func (d dayDuration) String() string {
	if d.p == nil {
		return ""
	}
	if *d.p%(24*time.Hour) == 0 && *d.p > 0 {
		return strconv.FormatInt(int64(*d.p/(24*time.Hour)), 10) + "d"
	}
	return d.p.String()
}

func (d dayDuration) Set(s string) error {
	v, err := parseDays(s)
	if err != nil {
		return err
	}
	*d.p = v
	return nil
}

// parseDays parses "90d" or a Go duration; negative values are refused.
func parseDays(s string) (time.Duration, error) {
	var v time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, errors.New("want a number of days such as 90d or a duration such as 720h")
		}
		v = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if v, err = time.ParseDuration(s); err != nil {
			return 0, errors.New("want a number of days such as 90d or a duration such as 720h")
		}
	}
	if v < 0 {
		return 0, errors.New("must not be negative")
	}
	return v, nil
}

func (b *binder) daysv(p *time.Duration, name, envVal string, def time.Duration, usage string) {
	*p = def
	if envVal != "" {
		v, err := parseDays(envVal)
		b.check(err, name, envVal, "a number of days such as 90d, or a duration such as 720h")
		*p = v
	}
	b.fs.Var(dayDuration{p}, name, usage)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// envError names a malformed environment variable.
type envError struct{ key, val, want string }

func (e *envError) Error() string { return fmt.Sprintf("%s=%q: want %s", e.key, e.val, e.want) }

func (b *binder) str(p *string, name, def, usage string) { b.fs.StringVar(p, name, def, usage) }

func (b *binder) intv(p *int, name, envVal string, def int, usage string) {
	*p = def
	if envVal != "" {
		n, err := strconv.Atoi(envVal)
		b.check(err, name, envVal, "an integer")
		*p = n
	}
	b.fs.IntVar(p, name, *p, usage)
}

func (b *binder) floatv(p *float64, name, envVal string, def float64, usage string) {
	*p = def
	if envVal != "" {
		f, err := strconv.ParseFloat(envVal, 64)
		b.check(err, name, envVal, "a number")
		*p = f
	}
	b.fs.Float64Var(p, name, *p, usage)
}

func (b *binder) durv(p *time.Duration, name, envVal string, def time.Duration, usage string) {
	*p = def
	if envVal != "" {
		d, err := time.ParseDuration(envVal)
		b.check(err, name, envVal, "a duration such as 30s")
		*p = d
	}
	b.fs.DurationVar(p, name, *p, usage)
}

func (b *binder) boolv(p *bool, name, envVal, usage string) {
	if envVal != "" {
		v, err := strconv.ParseBool(envVal)
		b.check(err, name, envVal, "true or false")
		*p = v
	}
	b.fs.BoolVar(p, name, *p, usage)
}

func (b *binder) check(err error, name, val, want string) {
	if err != nil {
		b.errs = append(b.errs, &envError{key: envName(name), val: val, want: want})
	}
}

// envName maps a flag to its environment variable.
func envName(flagName string) string {
	return "CITEBOT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// validate reports the first malformed or out-of-range setting, naming it.
func (c *Config) validate(envErrs []error) error {
	if len(envErrs) > 0 {
		return envErrs[0]
	}
	checks := []struct {
		bad  bool
		name string
		msg  string
	}{
		{c.Collection == "", "--collection", "must not be empty"},
		{c.MaxQuestion < 1, "--max-question", "must be positive"},
		{c.EmbedBatch < 1 || c.EmbedBatch > 2048, "--embed-batch", "must be 1 to 2048"},
		{c.EmbedDim < 0, "--embed-dim", "must not be negative"},
		{c.LLMMaxTokens < 1, "--llm-max-tokens", "must be positive"},
		{c.LLMTimeout <= 0, "--llm-timeout", "must be positive"},
		{c.LLMTemperature < 0 || c.LLMTemperature > 2, "--llm-temperature", "must be 0 to 2"},
		{c.ChunkTokens < 0, "--chunk-tokens", "must not be negative"},
		{c.Overlap < 0, "--overlap", "must not be negative"},
		{c.MaxTextBytes < 1, "--max-text-bytes", "must be positive"},
		{c.MaxChunks < 1, "--max-chunks", "must be positive"},
		{c.ParseTimeout <= 0, "--parse-timeout", "must be positive"},
		{c.CrawlDelay < 0, "--crawl-delay", "must not be negative"},
		{c.GitCache == "", "--git-cache", "must not be empty"},
		{c.GateTolerance < 0, "--gate-tolerance", "must not be negative"},
		{c.SyncInterval < 0 || (c.SyncInterval > 0 && c.SyncInterval < time.Minute), "--sync-interval", "must be 0 (off) or at least 1m"},
		{c.StalePoll < 0 || (c.StalePoll > 0 && c.StalePoll < 100*time.Millisecond), "--stale-poll", "must be at least 100ms"},
		{c.ShardCount < 1 || c.ShardID < 0 || c.ShardID >= c.ShardCount, "--shard-id/--shard-count", "need 0 <= shard-id < shard-count"},
		{!validLevel(c.LogLevel), "--log-level", "must be debug, info, warn or error"},
	}
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("%s: %s", ch.name, ch.msg)
		}
	}
	for name, u := range map[string]string{"--embed-url": c.EmbedURL, "--llm-url": c.LLMURL, "--discord-api": c.DiscordAPI} {
		if u == "" {
			continue
		}
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return fmt.Errorf("%s %q: want an http(s) URL", name, u)
		}
	}
	if err := c.validateConsole(); err != nil {
		return fmt.Errorf("console settings: %w", err)
	}
	if err := c.Retrieval.Validate(); err != nil {
		return fmt.Errorf("retrieval settings: %w", err)
	}
	return nil
}

func validLevel(s string) bool {
	switch strings.ToLower(s) {
	case "debug", "info", "warn", "error":
		return true
	}
	return false
}
