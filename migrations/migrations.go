// Package migrations holds citebot's numbered SQL migrations. Files are
// named NNN_description.sql and applied in order by rag/store.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
