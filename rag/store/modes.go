package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Channel response modes as channel_modes stores them
// (migrations/011_channel_modes.sql); ModeMentions is the absence of a row.
const (
	ModeMentions = "mentions"
	ModeForum    = "forum"
	ModeAll      = "all"
)

// ChannelMode returns how the bot responds in a channel: ModeMentions
// unless an admin set another mode.
func (s *Store) ChannelMode(ctx context.Context, guildID, channelID string) (string, error) {
	var mode string
	err := s.pool.QueryRow(ctx, `SELECT mode FROM channel_modes WHERE guild_id = $1 AND channel_id = $2`,
		guildID, channelID).Scan(&mode)
	if errors.Is(err, pgx.ErrNoRows) {
		return ModeMentions, nil
	}
	if err != nil {
		return "", fmt.Errorf("read channel mode: %w", err)
	}
	return mode, nil
}

// SetChannelMode sets a channel's mode; ModeMentions removes the setting.
func (s *Store) SetChannelMode(ctx context.Context, guildID, channelID, mode string) error {
	var err error
	switch mode {
	case ModeMentions:
		_, err = s.pool.Exec(ctx, `DELETE FROM channel_modes WHERE guild_id = $1 AND channel_id = $2`, guildID, channelID)
	case ModeForum, ModeAll:
		_, err = s.pool.Exec(ctx, `INSERT INTO channel_modes (guild_id, channel_id, mode) VALUES ($1, $2, $3)
			ON CONFLICT (guild_id, channel_id) DO UPDATE SET mode = excluded.mode, updated_at = now()`,
			guildID, channelID, mode)
	default:
		return fmt.Errorf("set channel mode: unknown mode %q", mode)
	}
	if err != nil {
		return fmt.Errorf("set channel mode: %w", err)
	}
	return nil
}
