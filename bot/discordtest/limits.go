package discordtest

import (
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Discord's message limits, enforced on every message the fake stores.
const (
	MaxContent          = 2000
	MaxEmbeds           = 10
	MaxEmbedTitle       = 256
	MaxEmbedDescription = 4096
	MaxEmbedFields      = 25
	MaxFieldName        = 256
	MaxFieldValue       = 1024
	MaxFooter           = 2048
	MaxAuthorName       = 256
	MaxEmbedTotal       = 6000
	MaxActionRows       = 5
	MaxRowComponents    = 5
	MaxCustomID         = 100
	MaxButtonLabel      = 80
)

func runes(s string) int { return utf8.RuneCountInString(s) }

// validateMessage returns the offending field and Discord's message, or
// "" when m is within limits.
func validateMessage(m *discordgo.Message) (string, string) {
	if runes(m.Content) > MaxContent {
		return "content", fmt.Sprintf("Must be %d or fewer in length.", MaxContent)
	}
	if len(m.Embeds) > MaxEmbeds {
		return "embeds", fmt.Sprintf("Must be %d or fewer in length.", MaxEmbeds)
	}
	total := 0
	for i, e := range m.Embeds {
		if f, msg := validateEmbed(e); f != "" {
			return fmt.Sprintf("embeds.%d.%s", i, f), msg
		}
		total += embedText(e)
	}
	if total > MaxEmbedTotal {
		return "embeds", fmt.Sprintf("Embed size exceeds maximum size of %d", MaxEmbedTotal)
	}
	return validateComponents(m.Components)
}

func validateEmbed(e *discordgo.MessageEmbed) (string, string) {
	type lenCheck struct {
		field  string
		n, max int
	}
	checks := []lenCheck{
		{"title", runes(e.Title), MaxEmbedTitle},
		{"description", runes(e.Description), MaxEmbedDescription},
		{"fields", len(e.Fields), MaxEmbedFields},
	}
	if e.Footer != nil {
		checks = append(checks, lenCheck{"footer.text", runes(e.Footer.Text), MaxFooter})
	}
	if e.Author != nil {
		checks = append(checks, lenCheck{"author.name", runes(e.Author.Name), MaxAuthorName})
	}
	for _, c := range checks {
		if c.n > c.max {
			return c.field, fmt.Sprintf("Must be %d or fewer in length.", c.max)
		}
	}
	for i, f := range e.Fields {
		if runes(f.Name) > MaxFieldName || f.Name == "" {
			return fmt.Sprintf("fields.%d.name", i), fmt.Sprintf("Must be between 1 and %d in length.", MaxFieldName)
		}
		if runes(f.Value) > MaxFieldValue || f.Value == "" {
			return fmt.Sprintf("fields.%d.value", i), fmt.Sprintf("Must be between 1 and %d in length.", MaxFieldValue)
		}
	}
	return "", ""
}

// embedText counts the characters Discord sums for the 6,000 limit.
func embedText(e *discordgo.MessageEmbed) int {
	n := runes(e.Title) + runes(e.Description)
	for _, f := range e.Fields {
		n += runes(f.Name) + runes(f.Value)
	}
	if e.Footer != nil {
		n += runes(e.Footer.Text)
	}
	if e.Author != nil {
		n += runes(e.Author.Name)
	}
	return n
}

func validateComponents(cs []discordgo.MessageComponent) (string, string) {
	if len(cs) > MaxActionRows {
		return "components", fmt.Sprintf("Must be %d or fewer in length.", MaxActionRows)
	}
	for i, c := range cs {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			return fmt.Sprintf("components.%d", i), "top-level components must be action rows"
		}
		if len(row.Components) > MaxRowComponents {
			return fmt.Sprintf("components.%d.components", i), fmt.Sprintf("Must be %d or fewer in length.", MaxRowComponents)
		}
		for j, rc := range row.Components {
			b, ok := rc.(*discordgo.Button)
			if !ok {
				continue
			}
			if b.Style != discordgo.LinkButton && (b.CustomID == "" || len(b.CustomID) > MaxCustomID) {
				return fmt.Sprintf("components.%d.components.%d.custom_id", i, j), "Must be between 1 and 100 in length."
			}
			if runes(b.Label) > MaxButtonLabel {
				return fmt.Sprintf("components.%d.components.%d.label", i, j), "Must be 80 or fewer in length."
			}
		}
	}
	return "", ""
}

var commandName = regexp.MustCompile(`^[-_\p{Ll}\p{N}]{1,32}$`)

// validateCommands checks a bulk-overwrite payload as Discord does.
func validateCommands(cmds []*discordgo.ApplicationCommand) (string, string) {
	if len(cmds) > 100 {
		return "_root", "Must be 100 or fewer in length."
	}
	seen := map[string]bool{}
	for i, c := range cmds {
		// User and message commands (types 2, 3) may have any 1-32 character
		// name and have no description.
		menu := c.Type > discordgo.ChatApplicationCommand
		if (!menu && !commandName.MatchString(c.Name)) || (menu && (runes(c.Name) < 1 || runes(c.Name) > 32)) {
			return fmt.Sprintf("%d.name", i), "Command name is invalid"
		}
		key := fmt.Sprint(c.Type, c.Name)
		if seen[key] {
			return fmt.Sprintf("%d.name", i), "Application command names must be unique"
		}
		seen[key] = true
		if !menu && (runes(c.Description) < 1 || runes(c.Description) > 100) {
			return fmt.Sprintf("%d.description", i), "Must be between 1 and 100 in length."
		}
		if menu && (c.Description != "" || len(c.Options) > 0) {
			return fmt.Sprintf("%d.description", i), "Context menu commands cannot have a description or options"
		}
		if f, msg := validateOptions(c.Options); f != "" {
			return fmt.Sprintf("%d.%s", i, f), msg
		}
	}
	return "", ""
}

func validateOptions(opts []*discordgo.ApplicationCommandOption) (string, string) {
	if len(opts) > 25 {
		return "options", "Must be 25 or fewer in length."
	}
	optional := false
	for i, o := range opts {
		if !commandName.MatchString(o.Name) || runes(o.Description) < 1 || runes(o.Description) > 100 {
			return fmt.Sprintf("options.%d", i), "Invalid option name or description"
		}
		if len(o.Choices) > 25 {
			return fmt.Sprintf("options.%d.choices", i), "Must be 25 or fewer in length."
		}
		if o.Required && optional {
			return fmt.Sprintf("options.%d.required", i), "Required options must be placed before non-required options"
		}
		optional = optional || !o.Required
		if f, msg := validateOptions(o.Options); f != "" {
			return fmt.Sprintf("options.%d.%s", i, f), msg
		}
	}
	return "", ""
}
