package store_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
)

// scaleCollection is the collection BenchmarkScale grows; it is a guild's
// collection (guild-<id>) so that `citebot serve` answers from it
// (cli BenchmarkServeMemory).
const scaleCollection = "guild-700000000000000017"

// scaleBatch is how many documents one ReplaceDocuments call of the bulk
// load writes, and scaleWriters how many run at once.
const (
	scaleBatch   = 10
	scaleWriters = 6
)

// BenchmarkScale grows one collection of the synthetic corpus (see corpus)
// to 10k, 100k and 1M chunks through the store's bulk path (BeginBulkLoad,
// ReplaceDocuments, End builds the HNSW index) and at each size reports
// the load rate, the index build time, the database's size and the
// server's memory, the hybrid query latency with the default retrieval
// settings, and the vector leg's recall against an exact scan.
//
// CITEBOT_BENCH_CHUNKS replaces the sizes (scaleSizes). CITEBOT_BENCH_DB
// names a database to grow instead of the package's own, which is dropped
// after the run: the chunks loaded stay there, and a later run at the same
// or a smaller size loads nothing.
func BenchmarkScale(b *testing.B) {
	url := cmp.Or(os.Getenv("CITEBOT_BENCH_DB"), dbURL)
	if url == "" {
		b.Skip("no database")
	}
	s, err := store.Open(b.Context(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	m := benchModel(b, s)
	c := newCorpus(17)
	for _, n := range scaleSizes(b) {
		b.Run(fmt.Sprintf("chunks=%d", n), func(b *testing.B) {
			rate, build := growScale(b, s, m, c, n)
			benchScaleQueries(b, s, m, c, n)
			// After the loop, which clears metrics reported before it.
			if rate > 0 {
				b.ReportMetric(rate, "load-chunks/s")
				b.ReportMetric(build.Seconds(), "hnsw-build-s")
			}
		})
	}
}

// scaleSizes are the collection sizes measured: 10k, 100k and 1M, or the
// comma-separated list of CITEBOT_BENCH_CHUNKS (ascending).
func scaleSizes(b *testing.B) []int {
	env := os.Getenv("CITEBOT_BENCH_CHUNKS")
	if env == "" {
		return []int{10_000, 100_000, 1_000_000}
	}
	var sizes []int
	for _, f := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < corpusDocChunks {
			b.Fatalf("CITEBOT_BENCH_CHUNKS: %q is not a size of at least %d chunks", f, corpusDocChunks)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// growScale loads the corpus's documents until the collection holds n
// chunks, returning the load rate (0 when nothing was loaded) and the
// index build time.
func growScale(b *testing.B, s *store.Store, m store.Model, c *corpus, n int) (float64, time.Duration) {
	// The documents not stored yet: an interrupted load leaves gaps.
	var have []string
	q := fmt.Sprintf(`SELECT coalesce(array_agg(d.source), '{}') FROM documents d JOIN collections k ON k.id = d.collection_id
		WHERE k.name = '%s'`, scaleCollection)
	if err := s.QueryRowForTest(b.Context(), q, &have); err != nil {
		b.Fatal(err)
	}
	stored := make(map[string]bool, len(have))
	for _, src := range have {
		stored[src] = true
	}
	var todo []int
	for id := range n / corpusDocChunks {
		if !stored[corpusSource(id)] {
			todo = append(todo, id)
		}
	}
	if len(todo) == 0 {
		return 0, 0
	}
	start := time.Now()
	bl, err := s.BeginBulkLoad(b.Context(), m)
	if err != nil {
		b.Fatal(err)
	}
	next := make(chan []int)
	var wg sync.WaitGroup
	for range scaleWriters {
		wg.Go(func() {
			for ids := range next {
				ws := make([]store.DocumentWrite, 0, len(ids))
				for _, id := range ids {
					ws = append(ws, c.write(scaleCollection, m, id))
				}
				if _, err := s.ReplaceDocuments(b.Context(), ws); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := 0; i < len(todo) && !b.Failed(); i += scaleBatch {
		next <- todo[i:min(i+scaleBatch, len(todo))]
	}
	close(next)
	wg.Wait()
	loaded := time.Since(start)
	if err := bl.End(b.Context()); err != nil {
		b.Fatal(err)
	}
	built := time.Since(start) - loaded
	// Steady state, as autovacuum leaves it: statistics and visibility maps.
	if err := s.ExecForTest(b.Context(), "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d chunks in %v, index built in %v, vacuumed in %v", len(todo)*corpusDocChunks,
		loaded.Round(time.Second), built.Round(time.Second), (time.Since(start) - loaded - built).Round(time.Second))
	return float64(len(todo)*corpusDocChunks) / loaded.Seconds(), built
}

// benchScaleQueries measures hybrid latency over the loop and then the
// vector leg's recall@10 and recall@50 on 50 queries.
func benchScaleQueries(b *testing.B, s *store.Store, m store.Model, c *corpus, n int) {
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	docs := n / corpusDocChunks
	params := func(mode rag.Mode, k int) store.SearchParams {
		text, vec := c.query(rng, docs)
		return store.SearchParams{Collection: scaleCollection, Mode: mode, Text: text, Vector: vec,
			Model: m, K: k, Candidates: 50, TextWeight: 0.4, VectorWeight: 0.4, ProximityWeight: 0.2, K1: 1.2, B: 0.75,
			Neighbours: 1}
	}
	for range 50 { // warm
		if _, err := s.Search(b.Context(), params(rag.ModeHybrid, 10)); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	cpu := serverCPU(b, s)
	for b.Loop() {
		p := params(rag.ModeHybrid, 10)
		start := time.Now()
		if _, err := s.Search(b.Context(), p); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	if cpu := serverCPU(b, s) - cpu; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(lat)), "pg-cpu-ms/op")
	}
	reportPercentiles(b, lat)
	var size int64
	if err := s.QueryRowForTest(b.Context(), `SELECT pg_database_size(current_database())`, &size); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(size)/1e6, "db-MB")
	if mb, ok := postgresMemory(b, s); ok {
		b.ReportMetric(mb, "pg-MB")
	}
	r10, r50 := vectorRecall(b, s, m, func() store.SearchParams { return params(rag.ModeVector, 50) })
	b.ReportMetric(r10, "recall@10")
	b.ReportMetric(r50, "recall@50")
	if dir := os.Getenv("CITEBOT_BENCH_EXPLAIN"); dir != "" {
		explainScale(b, s, dir, n, params)
	}
}

// explainScale writes the plans of one query in each mode to dir, for
// docs/retrieval.md.
func explainScale(b *testing.B, s *store.Store, dir string, n int, params func(rag.Mode, int) store.SearchParams) {
	for _, mode := range []rag.Mode{rag.ModeText, rag.ModeVector, rag.ModeHybrid} {
		plan, err := s.ExplainSearchForTest(b.Context(), params(mode, 10))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("plan-%d-%s.txt", n, mode)), []byte(plan+"\n"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// vectorRecall is the share of the exact 10 and 50 nearest chunks that
// the vector leg returns, over 50 queries.
func vectorRecall(b *testing.B, s *store.Store, m store.Model, params func() store.SearchParams) (float64, float64) {
	const queries = 50
	var hit10, hit50 int
	for range queries {
		p := params()
		got, err := s.Search(b.Context(), p)
		if err != nil {
			b.Fatal(err)
		}
		exact, err := s.ExactNeighborsForTest(b.Context(), m, p.Collection, p.Vector, 50)
		if err != nil {
			b.Fatal(err)
		}
		rank := make(map[int64]int, len(exact))
		for i, id := range exact {
			rank[id] = i
		}
		for i, g := range got {
			if r, ok := rank[g.ChunkID]; ok {
				hit50++
				if i < 10 && r < 10 {
					hit10++
				}
			}
		}
	}
	return float64(hit10) / (10 * queries), float64(hit50) / (50 * queries)
}

// serverProcesses lists the server's processes (the postmaster and its
// children) when the server runs on this machine and /proc can be read.
func serverProcesses(b *testing.B, s *store.Store) []int {
	var backend int
	if err := s.QueryRowForTest(b.Context(), `SELECT pg_backend_pid()`, &backend); err != nil {
		return nil
	}
	postmaster, ok := procField(backend, "status", "PPid:")
	if !ok {
		return nil
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		if ppid, _ := procField(pid, "status", "PPid:"); ppid == postmaster || pid == postmaster {
			pids = append(pids, pid)
		}
	}
	return pids
}

// postgresMemory sums the proportional set size (shared buffers shared
// out) of the server's processes.
func postgresMemory(b *testing.B, s *store.Store) (float64, bool) {
	var kb int64
	for _, pid := range serverProcesses(b, s) {
		pss, _ := procField(pid, "smaps_rollup", "Pss:")
		kb += int64(pss)
	}
	return float64(kb) / 1024, kb > 0
}

// serverCPU is the CPU time the server's processes have used, user and
// system: the work of a query whatever else runs on the machine.
func serverCPU(b *testing.B, s *store.Store) time.Duration {
	var ticks int64
	for _, pid := range serverProcesses(b, s) {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses: utime
		// and stime are the 12th and 13th.
		f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			st, _ := strconv.ParseInt(f[12], 10, 64)
			ticks += u + st
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat times.
const clockTicks = 100

// procField reads the first number after key in /proc/pid/file.
func procField(pid int, file, key string) (int, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				return 0, false
			}
			v, err := strconv.Atoi(f[0])
			return v, err == nil
		}
	}
	return 0, false
}
