package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrNoDatabase is returned when no database is configured and the
// project's own was not set up.
var ErrNoDatabase = errors.New("no database: DATABASE_URL is unset and no .data/database_url was found " +
	"(run `make db` to set up the project's PostgreSQL)")

// LocateURL finds the database to use: DATABASE_URL when set, else the URL
// that scripts/db.sh wrote to .data/database_url in dir or a parent of it.
func LocateURL(getenv func(string) string, dir string) (string, error) {
	if u := strings.TrimSpace(getenv("DATABASE_URL")); u != "" {
		return u, nil
	}
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, ".data", "database_url"))
		if err == nil {
			return strings.TrimSpace(string(b)), nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("read database url: %w", err)
		}
		if filepath.Dir(d) == d {
			return "", ErrNoDatabase
		}
	}
}
