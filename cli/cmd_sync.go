package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/citebot/citebot/rag/source"
)

func cmdSync(ctx context.Context, e *env, args []string) error {
	fs, err := e.parse(args, false, nil)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{Msg: "sync takes no arguments; use --collection NAME for one collection"}
	}
	collection := ""
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "collection" {
			collection = e.cfg.Collection
		}
	})
	if e.io.Getenv("CITEBOT_COLLECTION") != "" {
		collection = e.cfg.Collection
	}
	svc, err := e.services(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	sum, err := e.sourceRunner(svc).SyncRecorded(ctx, svc.store, collection, syncProgress(e.io.Stderr))
	if errors.Is(err, source.ErrSyncRunning) {
		return fmt.Errorf("sync: %w; try again when it is done", err)
	}
	printSyncSummary(e.io.Stdout, sum)
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if sum.Failed > 0 {
		return &ErrIngestFailures{N: sum.Failed}
	}
	return nil
}
