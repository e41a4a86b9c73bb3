package loader

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"runtime/metrics"
	"syscall"
	"time"
)

// PDFWorkerCommand is the hidden subcommand of the citebot binary that runs
// RunPDFWorker; Options.PDFWorker is the binary followed by it.
const PDFWorkerCommand = "pdf-worker"

// workerExitMemory is the exit status of a worker over its memory budget.
const workerExitMemory = 3

// workerRequest is the first line a PDF worker reads; the file follows.
type workerRequest struct {
	MaxBytes  int64         `json:"max_bytes"`
	MaxText   int64         `json:"max_text"`
	MaxMemory int64         `json:"max_memory"`
	Timeout   time.Duration `json:"timeout_ns"`
	NoOCR     bool          `json:"no_ocr,omitempty"`
}

// workerReply is what a PDF worker writes: the result, or an error with
// the name of the sentinel it wraps.
type workerReply struct {
	Result pdfResult `json:"result"`
	Err    string    `json:"error,omitempty"`
	Kind   string    `json:"kind,omitempty"`
}

// workerKinds names the sentinels an error may cross the process boundary with.
var workerKinds = map[string]error{"encrypted": ErrEncrypted, "too-large": ErrTooLarge,
	"unsupported": ErrUnsupported, "budget": ErrBudget}

// workerError is an error reported by a worker; it wraps its sentinel.
type workerError struct {
	msg  string
	kind error
}

func (e *workerError) Error() string { return e.msg }
func (e *workerError) Unwrap() error { return e.kind }

// runPDFWorker parses data in a process of its own (Options.PDFWorker),
// so that whatever the PDF library does, the parse ends at ctx's deadline
// (parse sets Options.ParseTimeout),
// within its CPU time and memory, and frees them: the worker limits its own
// CPU time and heap, and the whole process group is killed at the deadline.
func runPDFWorker(ctx context.Context, data []byte, opts Options) (pdfResult, error) {
	timeout := opts.parseTimeout()
	req, err := json.Marshal(workerRequest{MaxBytes: opts.maxBytes(), MaxText: opts.maxText(),
		MaxMemory: opts.maxParseMemory(), Timeout: timeout, NoOCR: opts.NoOCR})
	if err != nil {
		return pdfResult{}, fmt.Errorf("pdf worker: %w", err)
	}
	cmd := exec.CommandContext(ctx, opts.PDFWorker[0], opts.PDFWorker[1:]...)
	cmd.Stdin = io.MultiReader(bytes.NewReader(append(req, '\n')), bytes.NewReader(data))
	stdout := &cappedBuffer{max: 2*opts.maxText() + 1<<20}
	stderr := &cappedBuffer{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // OCR tools the worker may have left behind
	}
	if err != nil {
		return pdfResult{}, workerFailure(ctx, err, stderr, opts)
	}
	var reply workerReply
	if err := json.Unmarshal(stdout.Bytes(), &reply); err != nil {
		return pdfResult{}, fmt.Errorf("pdf worker reply: %w", err)
	}
	if reply.Err != "" {
		return pdfResult{}, &workerError{msg: reply.Err, kind: workerKinds[reply.Kind]}
	}
	return reply.Result, nil
}

// workerFailure explains a worker that did not exit cleanly.
// ctx is the parse's, so its deadline is the parse deadline.
func workerFailure(ctx context.Context, err error, stderr *cappedBuffer, opts Options) error {
	var exit *exec.ExitError
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return ctx.Err()
	case ctx.Err() != nil:
		return fmt.Errorf("parse ran over its %s deadline and was stopped: %w", opts.parseTimeout(), ErrBudget)
	case errors.As(err, &exit) && exit.ExitCode() == workerExitMemory:
		return fmt.Errorf("parse needed over %d MB of memory and was stopped: %w", opts.maxParseMemory()>>20, ErrBudget)
	case errors.As(err, &exit) && !exit.Exited():
		return fmt.Errorf("parse ran over its CPU time or memory and was stopped (%s): %w", exit, ErrBudget)
	case errors.Is(err, errReplyTooLarge):
		return fmt.Errorf("pdf worker: %w: %w", err, ErrTooLarge)
	}
	return fmt.Errorf("pdf worker: %w: %s", err, firstLine(stderr.Bytes()))
}

// errReplyTooLarge reports a worker writing more than any reply can hold.
var errReplyTooLarge = errors.New("worker reply over its cap")

// cappedBuffer keeps at most max bytes; a write past it fails.
type cappedBuffer struct {
	bytes.Buffer
	max int64
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if int64(b.Len()+len(p)) > b.max {
		return 0, errReplyTooLarge
	}
	return b.Buffer.Write(p)
}

// RunPDFWorker is the body of the hidden `citebot pdf-worker` command: it
// reads a request line and a PDF from in, and writes the extracted text
// (or the error) as JSON to out. Before parsing it limits its own CPU time
// to the request's deadline and, checking its heap every few milliseconds,
// exits with status 3 when the heap grows past the request's budget; the
// process that started it kills it at the deadline.
func RunPDFWorker(ctx context.Context, in io.Reader, out io.Writer) error {
	br := bufio.NewReader(in)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("pdf worker request: %w", err)
	}
	var req workerRequest
	if err := json.Unmarshal(line, &req); err != nil {
		return fmt.Errorf("pdf worker request: %w", err)
	}
	cpu := uint64(req.Timeout/time.Second) + 1
	if err := syscall.Setrlimit(syscall.RLIMIT_CPU, &syscall.Rlimit{Cur: cpu, Max: cpu + 1}); err != nil {
		return fmt.Errorf("pdf worker cpu limit: %w", err)
	}
	debug.SetMemoryLimit(req.MaxMemory * 3 / 4)
	go watchHeap(ctx, req.MaxMemory)
	var reply workerReply
	data, err := readCapped(br, req.MaxBytes)
	if err == nil {
		reply.Result, err = extractPDF(ctx, data, Options{MaxBytes: req.MaxBytes, MaxTextBytes: req.MaxText,
			ParseTimeout: req.Timeout, NoOCR: req.NoOCR})
	}
	if err != nil {
		reply.Err = err.Error()
		for name, s := range workerKinds {
			if errors.Is(err, s) {
				reply.Kind = name
			}
		}
	}
	return json.NewEncoder(out).Encode(reply)
}

// watchHeap exits the process once its heap holds more than max bytes.
func watchHeap(ctx context.Context, max int64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		metrics.Read(sample)
		if int64(sample[0].Value.Uint64()) > max {
			fmt.Fprintf(os.Stderr, "pdf worker: heap over %d bytes\n", max)
			os.Exit(workerExitMemory)
		}
	}
}
