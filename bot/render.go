package bot

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/citebot/citebot/rag"
)

// rendered is one Discord message's worth of output.
type rendered struct {
	Content    string                       `json:"content"`
	Embeds     []*discordgo.MessageEmbed    `json:"embeds,omitempty"`
	Components []discordgo.MessageComponent `json:"components,omitempty"`
}

// Colours of the embeds.
const (
	colorSources = 0x5865F2
	colorRefusal = 0xFEE75C
	colorError   = 0xED4245
)

// Button custom-id prefixes.
const (
	idSources  = "src:"
	idHelpful  = "fb+:"
	idNotHelp  = "fb-:"
	idDocsPage = "docs:"
)

// renderAnswer renders an answer as one or more messages that each fit
// Discord's limits. key names the answer for its buttons; "" omits them.
func renderAnswer(a *rag.Answer, key string) []rendered {
	if a.Refused {
		return []rendered{renderRefusal(a)}
	}
	text := inertMarkdown(strings.TrimSpace(a.Text))
	if text == "" {
		text = "I have no answer to that."
	}
	var out []rendered
	for _, piece := range SplitMessage(text, MaxContent) {
		out = append(out, rendered{Content: piece})
	}
	last := &out[len(out)-1]
	if len(a.Sources) > 0 {
		last.Embeds = []*discordgo.MessageEmbed{sourcesEmbed(a.Sources)}
	}
	if key != "" {
		last.Components = answerButtons(key, len(a.Sources) > 0)
	}
	return out
}

func renderRefusal(a *rag.Answer) rendered {
	msg := "I couldn't find this in the documents I have for this server, so I won't guess."
	if len(a.Nearest) == 0 {
		return rendered{Content: msg + " Try rephrasing, or ask an admin to add the relevant documents."}
	}
	lines := make([]string, 0, len(a.Nearest))
	for i, p := range a.Nearest {
		lines = append(lines, fmt.Sprintf("%d. %s", i+1, sourceLabel(p)))
	}
	e := &discordgo.MessageEmbed{
		Title:       "Closest passages",
		Description: joinWithin(lines, MaxEmbedDescription),
		Color:       colorRefusal,
	}
	return rendered{Content: msg + " These passages came closest:", Embeds: []*discordgo.MessageEmbed{e}}
}

func answerButtons(key string, sources bool) []discordgo.MessageComponent {
	var row []discordgo.MessageComponent
	if sources {
		row = append(row, discordgo.Button{Label: "Sources", Style: discordgo.SecondaryButton, CustomID: idSources + key})
	}
	row = append(row,
		discordgo.Button{Emoji: &discordgo.ComponentEmoji{Name: "👍"}, Style: discordgo.SecondaryButton, CustomID: idHelpful + key},
		discordgo.Button{Emoji: &discordgo.ComponentEmoji{Name: "👎"}, Style: discordgo.SecondaryButton, CustomID: idNotHelp + key},
	)
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: row}}
}

// sourcesEmbed lists cited sources, one line each.
func sourcesEmbed(sources []rag.Source) *discordgo.MessageEmbed {
	lines := make([]string, 0, len(sources))
	for _, s := range sources {
		lines = append(lines, fmt.Sprintf("**[%d]** %s", s.N, sourceLabel(s.Passage)))
	}
	return &discordgo.MessageEmbed{Title: "Sources", Description: joinWithin(lines, MaxEmbedDescription), Color: colorSources}
}

// sourceLabel is a passage's title, section path or page, then, when its
// source is an http(s) URL, that URL as plain "<url>": never a masked
// link, so that a document's title cannot pass for another address.
func sourceLabel(p rag.Passage) string {
	title := p.Title
	if title == "" {
		title = path.Base(p.Source)
	}
	title = truncate(escapeMarkdown(title), 200)
	label := title
	if isHTTP(p.Source) {
		label += " <" + escapeURL(p.Source) + ">"
	}
	var where []string
	if len(p.HeadingPath) > 0 {
		where = append(where, truncate(escapeMarkdown(strings.Join(p.HeadingPath, " › ")), 200))
	}
	if p.Page > 0 {
		where = append(where, fmt.Sprintf("p. %d", p.Page))
	}
	if len(where) > 0 {
		label += " — " + strings.Join(where, ", ")
	}
	return label
}

func isHTTP(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

func escapeURL(u string) string {
	return strings.NewReplacer(")", "%29", " ", "%20", ">", "%3E", "<", "%3C").Replace(u)
}

// maskedLink matches Markdown's "[text](url)" and "[text](<url>)".
var maskedLink = regexp.MustCompile(`\[([^\[\]]*)\]\(\s*<?([^()<>\s]*)>?[^()]*\)`)

// headingLine matches a line Discord would render as a heading or a
// subtext line.
var headingLine = regexp.MustCompile(`(?m)^(\s*)(#{1,3} |-# )`)

// inertMarkdown keeps an answer's text, which quotes documents, from
// turning a document's Markdown into live formatting: a masked link shows
// its text and its real address, never a link behind other words, and a
// heading mark is escaped. The answerer already replaces brackets inside
// quotations; this holds for any text.
func inertMarkdown(s string) string {
	s = maskedLink.ReplaceAllString(s, "$1 (<$2>)")
	return headingLine.ReplaceAllString(s, `$1\$2`)
}

var mdEscaper = strings.NewReplacer("*", "\\*", "_", "\\_", "`", "\\`", "~", "\\~", "|", "\\|", "[", "\\[", "]", "\\]", ">", "\\>", "@", "@\u200b")

func escapeMarkdown(s string) string { return mdEscaper.Replace(s) }

// truncate shortens s to at most n runes, ending with an ellipsis when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// joinWithin joins lines with newlines within limit runes, ending with a
// count of the lines left out.
func joinWithin(lines []string, limit int) string {
	var b strings.Builder
	n := 0
	for i, l := range lines {
		more := fmt.Sprintf("\n…and %d more", len(lines)-i)
		if n+utf8.RuneCountInString(l)+1+len(more) > limit {
			b.WriteString(strings.TrimPrefix(more, "\n"))
			break
		}
		b.WriteString(l)
		b.WriteString("\n")
		n += utf8.RuneCountInString(l) + 1
	}
	return strings.TrimSpace(b.String())
}

// renderSourcesView is the ephemeral view of an answer's cited passages:
// one field per source, within 25 fields and 6,000 characters.
func renderSourcesView(sources []rag.Source) rendered {
	e := &discordgo.MessageEmbed{Title: "Cited passages", Color: colorSources}
	total := utf8.RuneCountInString(e.Title)
	for _, s := range sources {
		if len(e.Fields) == MaxEmbedFields {
			break
		}
		name := truncate(fmt.Sprintf("[%d] %s", s.N, s.Passage.Title), 256)
		value := truncate(sourceLabel(s.Passage)+"\n> "+strings.ReplaceAll(inertMarkdown(strings.TrimSpace(s.Passage.Text)), "\n", "\n> "), MaxFieldValue)
		size := utf8.RuneCountInString(name) + utf8.RuneCountInString(value)
		if total+size > MaxEmbedTotal-100 {
			break
		}
		total += size
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: name, Value: value})
	}
	if len(e.Fields) == 0 {
		return rendered{Content: "This answer cites no passages."}
	}
	return rendered{Embeds: []*discordgo.MessageEmbed{e}}
}

// renderDocuments is one page of /sources with paging buttons.
func renderDocuments(docs []rag.DocumentInfo, offset, total, pageSize int) rendered {
	if total == 0 {
		return rendered{Content: "No documents yet. An admin can add some with /ingest."}
	}
	lines := make([]string, 0, len(docs))
	for i, d := range docs {
		p := rag.Passage{Title: d.Title, Source: d.Source}
		line := fmt.Sprintf("%d. %s · %d chunks", offset+i+1, sourceLabel(p), d.Chunks)
		if !d.SyncedAt.IsZero() {
			line += fmt.Sprintf(" · synced <t:%d:R>", d.SyncedAt.Unix()) // Discord renders "2 hours ago"
		}
		lines = append(lines, line)
	}
	e := &discordgo.MessageEmbed{
		Title:       "Documents",
		Description: joinWithin(lines, MaxEmbedDescription),
		Footer:      &discordgo.MessageEmbedFooter{Text: fmt.Sprintf("%d–%d of %d", offset+1, offset+len(docs), total)},
		Color:       colorSources,
	}
	prev := discordgo.Button{Label: "Previous", Style: discordgo.SecondaryButton, CustomID: fmt.Sprintf("%s%d", idDocsPage, max(offset-pageSize, 0)), Disabled: offset == 0}
	next := discordgo.Button{Label: "Next", Style: discordgo.SecondaryButton, CustomID: fmt.Sprintf("%s%d", idDocsPage, offset+pageSize), Disabled: offset+pageSize >= total}
	return rendered{Embeds: []*discordgo.MessageEmbed{e}, Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{prev, next}}}}
}

// progressBar draws done/total as a 20-cell bar.
func progressBar(p IngestProgress) string {
	const cells = 20
	if p.Total <= 0 {
		return "Working…"
	}
	filled := min(cells, p.Done*cells/p.Total)
	bar := strings.Repeat("▰", filled) + strings.Repeat("▱", cells-filled)
	s := fmt.Sprintf("`%s` %d/%d", bar, p.Done, p.Total)
	if p.Current != "" {
		s += " — " + truncate(escapeMarkdown(p.Current), 200)
	}
	return s
}

// renderSummary reports an ingest run.
func renderSummary(what string, s IngestSummary) rendered {
	text := fmt.Sprintf("%s done: %d added, %d updated, %d unchanged, %d removed, %d failed; %d chunks indexed.",
		what, s.Added, s.Updated, s.Unchanged, s.Removed, s.Failed, s.Chunks)
	if len(s.Errors) > 0 {
		lines := make([]string, 0, len(s.Errors))
		for _, e := range s.Errors {
			lines = append(lines, "• "+truncate(escapeMarkdown(e), 300))
		}
		text += "\n" + joinWithin(lines, MaxContent-utf8.RuneCountInString(text)-1)
	}
	return rendered{Content: text}
}
