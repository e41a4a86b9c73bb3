// Command citebot is a Discord bot that answers questions about a body of
// documents, citing the passage behind every claim. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/citebot/citebot/cli"
)

func main() {
	// Ctrl-C reaches the command through run: a chat cancels the question
	// in flight with it; SIGTERM always ends the process.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ue *cli.UsageError
		if errors.As(err, &ue) {
			if ue.Msg != "help requested" {
				fmt.Fprintln(os.Stderr, "citebot:", ue.Msg)
			}
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "citebot:", err)
		var held *cli.ErrHeldBack
		if errors.As(err, &held) {
			os.Exit(held.ExitCode())
		}
		os.Exit(1)
	}
}

// run parses the command line and the environment and runs a subcommand.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	dir, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	defer signal.Stop(interrupt)
	exe, _ := os.Executable() // without it, PDFs are parsed in this process
	return cli.Run(ctx, cli.IO{Args: args, Getenv: getenv, Stdin: os.Stdin, Stdout: stdout, Stderr: stderr, Dir: dir,
		Executable: exe, Interrupt: interrupt})
}
