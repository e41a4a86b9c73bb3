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
var ErrNoDatabase = errors.New("no database")

// LocateURL finds the database to use: DATABASE_URL when set, else the URL
// that scripts/db.sh wrote to .data/database_url in one of dirs or a parent
// of it, the first dir first. The error says where it looked.
func LocateURL(getenv func(string) string, dirs ...string) (string, error) {
	if u := strings.TrimSpace(getenv("DATABASE_URL")); u != "" {
		return u, nil
	}
	var tried []string
	for _, dir := range dirs {
		if dir == "" {
			continue
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
				break
			}
		}
		tried = append(tried, filepath.Join(dir, ".data", "database_url"))
	}
	return "", fmt.Errorf("%w: DATABASE_URL is unset and there is no %s (nor in a parent folder); "+
		"run `make db` in the citebot repository to start the project's PostgreSQL, or export DATABASE_URL=postgres://...",
		ErrNoDatabase, strings.Join(tried, " or "))
}
