package cli

import "fmt"

// Write puts a log record above a terminal progress bar: it clears the
// bar's line, writes the record and draws the bar again, so that neither
// overwrites the other. Off a terminal it only writes.
func (b *progressBar) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	redraw := b.tty && b.drew && b.line != ""
	if redraw {
		fmt.Fprint(b.w, "\r\033[K")
	}
	n, err := b.w.Write(p)
	if redraw {
		fmt.Fprint(b.w, b.line)
	}
	return n, err
}
