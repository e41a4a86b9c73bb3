package uselite

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
)

// Embed returns one L2-normalised 512-dimensional vector per text, in
// order. Texts longer than MaxTokens are truncated to their first
// MaxTokens tokens (as the reference does) with a logged warning. An
// empty text gets the vector the graph defines for zero tokens. Work is
// spread over the encoder's workers; ctx is checked between texts and the
// first error (ctx.Err()) is returned with no vectors.
func (e *Encoder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	seqs := make([][]int, len(texts))
	for i, text := range texts {
		ids := e.tok.encode(text)
		if n := len(ids); n > e.net.maxLen {
			e.log.LogAttrs(ctx, slog.LevelWarn, "uselite: input truncated to the model limit",
				slog.Int("index", i), slog.Int("tokens", n), slog.Int("max_tokens", e.net.maxLen))
			ids = ids[:e.net.maxLen]
		}
		seqs[i] = ids
	}
	out := make([][]float32, len(texts))
	backing := make([]float32, len(texts)*e.net.outWidth)
	for i := range out {
		out[i] = backing[i*e.net.outWidth : (i+1)*e.net.outWidth : (i+1)*e.net.outWidth]
	}
	workers := min(e.workers, len(texts))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := e.spaces.Get().(*workspace)
			defer e.spaces.Put(ws)
			for i := range next {
				e.net.forward(ws, seqs[i], out[i])
			}
		}()
	}
	err := feed(ctx, next, seqsOrder(seqs))
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	return out, nil
}

// seqsOrder returns the indices of seqs, longest first, so that the
// workers finish at about the same time.
func seqsOrder(seqs [][]int) []int {
	order := make([]int, len(seqs))
	for i := range order {
		order[i] = i
	}
	sortByLenDesc(order, seqs)
	return order
}

// feed sends the indices to next until done or ctx is cancelled, then
// closes next.
func feed(ctx context.Context, next chan<- int, order []int) error {
	defer close(next)
	for _, i := range order {
		select {
		case next <- i:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func sortByLenDesc(order []int, seqs [][]int) {
	slices.SortStableFunc(order, func(a, b int) int { return len(seqs[b]) - len(seqs[a]) })
}
