package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/store"
)

// libraryCommands are the commands that show and remove what is stored.
func libraryCommands() map[string]command {
	return map[string]command{
		"collections": {summary: "list the collections: collections [--json]", run: cmdCollections},
		"documents":   {summary: "list a collection's documents: documents [--collection NAME] [--json]", run: cmdDocuments},
		"forget":      {summary: "remove documents: forget [--collection NAME] [--json] SOURCE...", run: cmdForget},
	}
}

// checkCollection fails unless the configured collection exists and holds
// documents, naming the collections that do.
func (e *env) checkCollection(ctx context.Context, st *store.Store) error {
	cs, err := st.Collections(ctx)
	if err != nil {
		return err
	}
	name := e.cfg.Collection
	state := "does not exist"
	var names []string
	for _, c := range cs {
		switch {
		case c.Name == name && c.Documents > 0:
			return nil
		case c.Name == name:
			state = "is empty"
		case c.Documents > 0:
			names = append(names, strconv.Quote(c.Name))
		}
	}
	add := fmt.Sprintf("citebot ingest --collection %s PATH|URL...", name)
	if len(names) == 0 {
		return fmt.Errorf("collection %q %s and there is no other with documents: add some with %s", name, state, add)
	}
	return fmt.Errorf("collection %q %s; collections with documents: %s (choose one with --collection, or add documents with %s)",
		name, state, strings.Join(names, ", "), add)
}

func printJSON(e *env, v any) error {
	enc := json.NewEncoder(e.io.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdCollections(ctx context.Context, e *env, args []string) error {
	var asJSON bool
	if err := e.parseNoArgs(args, false, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the collections as JSON")
	}, ""); err != nil {
		return err
	}
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := st.Collections(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e, append([]store.CollectionInfo{}, cs...))
	}
	if len(cs) == 0 {
		fmt.Fprintln(e.io.Stdout, "No collections yet: add documents with citebot ingest [--collection NAME] PATH|URL...")
		return nil
	}
	tw := tabwriter.NewWriter(e.io.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "documents\tchunks\t\tcollection\t")
	for _, c := range cs {
		fmt.Fprintf(tw, "%d\t%d\t\t%s\t\n", c.Documents, c.Chunks, c.Name)
	}
	return tw.Flush()
}

// documentsPage is how many documents one query lists.
const documentsPage = 500

func cmdDocuments(ctx context.Context, e *env, args []string) error {
	var asJSON bool
	if err := e.parseNoArgs(args, false, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the documents as JSON")
	}, "choose the collection with --collection"); err != nil {
		return err
	}
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := e.checkCollection(ctx, st); err != nil {
		return err
	}
	docs, err := allDocuments(ctx, st, e.cfg.Collection)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e, docs)
	}
	root, err := st.Root(ctx, e.cfg.Collection)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.io.Stdout, "collection %q: %d documents", e.cfg.Collection, len(docs))
	if root != "" {
		fmt.Fprintf(e.io.Stdout, ", files under %s", root)
	}
	fmt.Fprintln(e.io.Stdout)
	tw := tabwriter.NewWriter(e.io.Stdout, 0, 0, 2, ' ', 0)
	for _, d := range docs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", relativeSource(root, d.Source), d.Title, plural(d.Chunks, "chunk"))
	}
	return tw.Flush()
}

func allDocuments(ctx context.Context, st *store.Store, collection string) ([]rag.DocumentInfo, error) {
	docs := []rag.DocumentInfo{}
	for {
		page, total, err := st.Documents(ctx, collection, len(docs), documentsPage)
		if err != nil {
			return nil, err
		}
		docs = append(docs, page...)
		if len(page) == 0 || len(docs) >= total {
			return docs, nil
		}
	}
}

// relativeSource shows a local source relative to the collection's root;
// URLs and uploads stay as they are.
func relativeSource(root, source string) string {
	if root == "" || !filepath.IsAbs(source) {
		return source
	}
	if rel, err := filepath.Rel(root, source); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return source
}

// forgetResult is what forget --json prints.
type forgetResult struct {
	Collection string   `json:"collection"`
	Forgotten  []string `json:"forgotten"`
	Missing    []string `json:"missing"`
}

func cmdForget(ctx context.Context, e *env, args []string) error {
	var asJSON bool
	fs, err := e.parse(args, false, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print what was forgotten as JSON")
	})
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return &UsageError{Msg: "forget needs at least one SOURCE (as citebot documents lists it)"}
	}
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := e.checkCollection(ctx, st); err != nil {
		return err
	}
	res, err := e.forget(ctx, st, fs.Args())
	if err != nil {
		return err
	}
	if asJSON {
		if err := printJSON(e, res); err != nil {
			return err
		}
	} else {
		for _, s := range res.Forgotten {
			fmt.Fprintf(e.io.Stdout, "forgot %s\n", s)
		}
	}
	if len(res.Missing) > 0 {
		return fmt.Errorf("collection %q has no document %s (citebot documents lists them)",
			e.cfg.Collection, strings.Join(res.Missing, ", "))
	}
	return nil
}

// forget removes each source, found as stored, as a path from the working
// directory or relative to the collection's root.
func (e *env) forget(ctx context.Context, st *store.Store, sources []string) (forgetResult, error) {
	res := forgetResult{Collection: e.cfg.Collection, Forgotten: []string{}, Missing: []string{}}
	root, err := st.Root(ctx, e.cfg.Collection)
	if err != nil {
		return res, err
	}
	for _, src := range sources {
		found := false
		for _, cand := range sourceCandidates(e.io.Dir, root, src) {
			ok, err := st.DeleteDocument(ctx, e.cfg.Collection, cand)
			if err != nil {
				return res, err
			}
			if ok {
				res.Forgotten = append(res.Forgotten, cand)
				found = true
				break
			}
		}
		if !found {
			res.Missing = append(res.Missing, src)
		}
	}
	return res, nil
}

// sourceCandidates are the stored sources that src may name.
func sourceCandidates(dir, root, src string) []string {
	out := []string{src}
	if filepath.IsAbs(src) || strings.Contains(src, "://") || strings.HasPrefix(src, "upload:") {
		return out
	}
	out = append(out, filepath.Join(dir, src))
	if root != "" {
		out = append(out, filepath.Join(root, src))
	}
	return out
}

// plural is "1 chunk" or "n chunks".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
