package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Escalation is an answer's hand-over to a person: who asked for one and
// when, and who marked it resolved and when. Zero times mean not yet.
type Escalation struct {
	EscalatedAt time.Time
	EscalatedBy string // a Discord user id
	ResolvedAt  time.Time
	ResolvedBy  string // a Discord user id
}

// EscalationRole returns the role a guild's escalations ping, "" when the
// guild has none.
func (s *Store) EscalationRole(ctx context.Context, guildID string) (string, error) {
	var role string
	err := s.pool.QueryRow(ctx, `SELECT role_id FROM escalation_roles WHERE guild_id = $1`, guildID).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read escalation role: %w", err)
	}
	return role, nil
}

// SetEscalationRole sets the role a guild's escalations ping; roleID ""
// turns escalation off.
func (s *Store) SetEscalationRole(ctx context.Context, guildID, roleID string) error {
	var err error
	if roleID == "" {
		_, err = s.pool.Exec(ctx, `DELETE FROM escalation_roles WHERE guild_id = $1`, guildID)
	} else {
		_, err = s.pool.Exec(ctx, `INSERT INTO escalation_roles (guild_id, role_id) VALUES ($1, $2)
			ON CONFLICT (guild_id) DO UPDATE SET role_id = excluded.role_id, set_at = now()`, guildID, roleID)
	}
	if err != nil {
		return fmt.Errorf("set escalation role: %w", err)
	}
	return nil
}

// escalationColumns are the answers columns an Escalation is read from
// (migration 009_admin_loop); NULL times read as the epoch, which scanEscalation
// turns into zero times.
const escalationColumns = `coalesce(escalated_at, 'epoch'::timestamptz), escalated_by,
	coalesce(resolved_at, 'epoch'::timestamptz), resolved_by`

func scanEscalation(row pgx.Row) (Escalation, error) {
	var e Escalation
	err := row.Scan(&e.EscalatedAt, &e.EscalatedBy, &e.ResolvedAt, &e.ResolvedBy)
	for _, t := range []*time.Time{&e.EscalatedAt, &e.ResolvedAt} {
		if t.Equal(time.Unix(0, 0)) {
			*t = time.Time{}
		}
	}
	return e, err
}

// AnswerEscalation returns an answer's escalation, or ErrNotFound when
// there is no such answer.
func (s *Store) AnswerEscalation(ctx context.Context, answerID int64) (Escalation, error) {
	e, err := scanEscalation(s.pool.QueryRow(ctx, `SELECT `+escalationColumns+` FROM answers WHERE id = $1`, answerID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Escalation{}, fmt.Errorf("answer %d: %w", answerID, ErrNotFound)
	}
	if err != nil {
		return Escalation{}, fmt.Errorf("read escalation: %w", err)
	}
	return e, nil
}

// EscalateAnswer records that userID asked a person about an answer. Only
// the first request counts: changed is false when the answer had been
// escalated already, and the escalation returned is the earlier one.
func (s *Store) EscalateAnswer(ctx context.Context, answerID int64, userID string) (e Escalation, changed bool, err error) {
	return s.markEscalation(ctx, answerID, `UPDATE answers SET escalated_at = now(), escalated_by = $2
		WHERE id = $1 AND escalated_at IS NULL RETURNING `+escalationColumns, userID)
}

// ResolveAnswer records that userID marked an escalated answer resolved.
// changed is false when the answer was not escalated or was resolved
// already; the escalation returned says which.
func (s *Store) ResolveAnswer(ctx context.Context, answerID int64, userID string) (e Escalation, changed bool, err error) {
	return s.markEscalation(ctx, answerID, `UPDATE answers SET resolved_at = now(), resolved_by = $2
		WHERE id = $1 AND escalated_at IS NOT NULL AND resolved_at IS NULL RETURNING `+escalationColumns, userID)
}

// ThreadEscalated reports whether a conversation thread holds an answer
// escalated to a person and not yet resolved.
func (s *Store) ThreadEscalated(ctx context.Context, threadID string) (bool, error) {
	var open bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM answers WHERE thread_id = $1 AND thread_id <> ''
		AND escalated_at IS NOT NULL AND resolved_at IS NULL)`, threadID).Scan(&open)
	if err != nil {
		return false, fmt.Errorf("read thread escalation: %w", err)
	}
	return open, nil
}

func (s *Store) markEscalation(ctx context.Context, answerID int64, update, userID string) (Escalation, bool, error) {
	e, err := scanEscalation(s.pool.QueryRow(ctx, update, answerID, userID))
	switch {
	case err == nil:
		return e, true, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return Escalation{}, false, fmt.Errorf("record escalation: %w", err)
	}
	e, err = s.AnswerEscalation(ctx, answerID)
	return e, false, err
}
