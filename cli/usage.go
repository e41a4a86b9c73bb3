package cli

import (
	"flag"
	"fmt"
)

// printFlags is a command's -h: its own flags first, then the settings
// every command shares.
func printFlags(fs *flag.FlagSet, name string, shared map[string]bool) {
	w := fs.Output()
	own := flag.NewFlagSet(name, flag.ContinueOnError)
	common := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		set := own
		if shared[f.Name] {
			set = common
		}
		set.Var(f.Value, f.Name, f.Usage)
		set.Lookup(f.Name).DefValue = f.DefValue
	})
	fmt.Fprintf(w, "Usage: citebot %s [flags] [args]\n", name)
	if n := countFlags(own); n > 0 {
		fmt.Fprintf(w, "\nFlags of %s:\n", name)
		own.SetOutput(w)
		own.PrintDefaults()
	}
	fmt.Fprintln(w, "\nSettings every command shares (each also an environment variable; see README.md):")
	common.SetOutput(w)
	common.PrintDefaults()
}

func countFlags(fs *flag.FlagSet) int {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n
}
