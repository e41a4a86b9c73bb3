package bot

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// FeedbackReasons stores a 👎 at once and, later, what the user wrote
// about it in the modal the 👎 opens. Without it (Config.Reasons nil) a 👎
// is stored through Library.SaveFeedback and no reason is asked for.
type FeedbackReasons interface {
	// RecordFeedback stores feedback and returns its id.
	RecordFeedback(ctx context.Context, f Feedback) (int64, error)
	// SetFeedbackReason adds the reason to the feedback id given by
	// userID; ErrNoFeedback when there is no such feedback of theirs.
	SetFeedbackReason(ctx context.Context, id int64, userID, reason string) error
}

// ErrNoFeedback is returned by SetFeedbackReason for feedback that does
// not exist (or not by that user).
var ErrNoFeedback = errors.New("no such feedback")

// The reason modal: its custom-id prefix (followed by the feedback id),
// its text input's id and the longest reason kept.
const (
	idReason       = "fbr:"
	idReasonInput  = "reason"
	maxReasonChars = 1000
)

const msgThanks = "Thanks — your feedback was recorded."

// askReason stores a 👎 and answers with the modal asking what was wrong;
// closing the modal keeps the 👎.
func (b *Bot) askReason(ctx context.Context, c *ictx, f Feedback) {
	id, err := b.cfg.Reasons.RecordFeedback(ctx, f)
	if err != nil {
		c.log.Error("discord feedback not saved", slog.Any("err", err))
		b.logErr(c, c.say(ctx, "Sorry, I couldn't record that feedback."))
		return
	}
	b.logErr(c, c.ack(ctx, reasonModal(id)))
}

func reasonModal(feedbackID int64) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{
		CustomID: idReason + strconv.FormatInt(feedbackID, 10), Title: "What was wrong with this answer?",
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.TextInput{CustomID: idReasonInput, Label: "What was wrong? (optional)", Style: discordgo.TextInputParagraph,
				Placeholder: "e.g. it missed the second part, or quoted an old page", Required: false, MaxLength: maxReasonChars}}}}}}
}

// runModal handles a modal submission: the reason for a 👎.
func (b *Bot) runModal(ctx context.Context, c *ictx) {
	data := c.i.ModalSubmitData()
	key, ok := strings.CutPrefix(data.CustomID, idReason)
	id, err := strconv.ParseInt(key, 10, 64)
	if !ok || err != nil || b.cfg.Reasons == nil {
		b.logErr(c, c.say(ctx, "That form is from an older version of citebot."))
		return
	}
	reason := strings.TrimSpace(modalValue(data, idReasonInput))
	if reason == "" {
		b.logErr(c, c.say(ctx, msgThanks))
		return
	}
	reason = truncate(reason, maxReasonChars)
	err = b.cfg.Reasons.SetFeedbackReason(ctx, id, c.userID(), reason)
	switch {
	case errors.Is(err, ErrNoFeedback):
		b.logErr(c, c.say(ctx, "That feedback is no longer stored, so I couldn't add your note."))
	case err != nil:
		c.log.Error("discord feedback reason not saved", slog.Int64("feedback_id", id), slog.Any("err", err))
		b.logErr(c, c.say(ctx, "Sorry, I couldn't record your note; your 👎 was recorded."))
	default:
		b.logErr(c, c.say(ctx, "Thanks — your feedback and note were recorded."))
	}
}

// modalValue is the value of a modal's text input by custom id.
func modalValue(data discordgo.ModalSubmitInteractionData, customID string) string {
	for _, row := range data.Components {
		r, ok := row.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, comp := range r.Components {
			if in, ok := comp.(*discordgo.TextInput); ok && in.CustomID == customID {
				return in.Value
			}
		}
	}
	return ""
}
