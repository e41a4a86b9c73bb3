package uselite

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

// fullChunks returns n texts of at least 128 tokens each, all different.
func fullChunks(b *testing.B, e *Encoder, n int) []string {
	words := strings.Fields("the bot reads documentation pages and answers questions about " +
		"configuration deployment errors tokens embeddings vectors search ranking " +
		"citations servers channels permissions commands release notes upgrade guide")
	texts := make([]string, n)
	for i := range texts {
		var sb strings.Builder
		for j := 0; e.CountTokens(sb.String()) < e.MaxTokens(); j++ {
			fmt.Fprintf(&sb, "%s %d ", words[(i*7+j*3)%len(words)], i+j)
		}
		texts[i] = sb.String()
	}
	return texts
}

func BenchmarkEmbedFullChunks(b *testing.B) {
	e := loadTestEncoder(b, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	const batch = 32
	texts := fullChunks(b, e, batch)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Embed(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*batch*e.MaxTokens())/sec, "tokens/s")
	b.ReportMetric(float64(b.N*batch)/sec, "chunks/s")
}

func BenchmarkEmbedQuery(b *testing.B) {
	e := loadTestEncoder(b)
	ctx := context.Background()
	query := []string{"How do I give the bot permission to read a private channel?"}
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := e.Embed(ctx, query); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	p95 := times[(len(times)*95)/100]
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
}

func BenchmarkLoad(b *testing.B) {
	dir := testModelDir(b)
	for b.Loop() {
		if _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEmbedShortBatch(b *testing.B) {
	e := loadTestEncoder(b)
	texts := make([]string, 64)
	tokens := 0
	for i := range texts {
		texts[i] = fmt.Sprintf("how do I configure option %d for the bot in channel %d?", i, i*7)
		tokens += e.CountTokens(texts[i])
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.Embed(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*tokens)/sec, "tokens/s")
	b.ReportMetric(float64(b.N*len(texts))/sec, "texts/s")
}
