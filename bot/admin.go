package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// UploadAllowed reports whether a file name has an extension /ingest
// accepts: .txt .md .markdown .html .htm .pdf .docx.
func UploadAllowed(filename string) bool {
	switch strings.ToLower(path.Ext(filename)) {
	case ".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx":
		return true
	}
	return false
}

var collectionName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

const msgNoIngester = "Ingesting isn't available on this bot."

func (b *Bot) cmdIngest(ctx context.Context, c *ictx, o options) error {
	if b.cfg.Ingester == nil {
		return c.say(ctx, msgNoIngester)
	}
	att, url, crawl := b.attachment(c, o), o.str("url"), o.boolean("crawl")
	switch {
	case att == nil && url == "":
		return c.say(ctx, "Attach a file or give a URL.")
	case crawl && (att != nil || url == ""):
		return c.say(ctx, "Crawling needs a URL and no file.")
	case att != nil && !UploadAllowed(att.Filename):
		return c.say(ctx, "I can ingest .txt, .md, .markdown, .html, .htm, .pdf and .docx files.")
	case att != nil && int64(att.Size) > b.cfg.MaxUploadBytes:
		return c.say(ctx, fmt.Sprintf("That file is too large; the limit is %d MiB.", b.cfg.MaxUploadBytes>>20))
	case att == nil && !isHTTP(url):
		return c.say(ctx, "The URL must start with http:// or https://.")
	}
	return b.enqueue(ctx, c, "Ingest", func() (Job, error) {
		if crawl {
			return Job{Kind: JobCrawl, URL: url}, nil
		}
		if att == nil {
			return Job{Kind: JobURL, URL: url}, nil
		}
		data, err := b.download(ctx, att.URL)
		if err != nil {
			return Job{}, err
		}
		return Job{Kind: JobUpload, Filename: att.Filename, Data: data}, nil
	})
}

func (b *Bot) attachment(c *ictx, o options) *discordgo.MessageAttachment {
	v, ok := o["file"]
	data := c.i.ApplicationCommandData()
	if !ok || data.Resolved == nil {
		return nil
	}
	id, _ := v.Value.(string)
	return data.Resolved.Attachments[id]
}

// errTooLarge is returned when a download exceeds the upload cap.
var errTooLarge = errors.New("file exceeds the upload size limit")

func (b *Bot) download(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("download attachment: %w", err)
	}
	resp, err := b.s.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download attachment: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download attachment: status %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, b.cfg.MaxUploadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("download attachment: %w", err)
	}
	if int64(len(data)) > b.cfg.MaxUploadBytes {
		return nil, errTooLarge
	}
	return data, nil
}

func (b *Bot) cmdReingest(ctx context.Context, c *ictx, o options) error {
	if b.cfg.Ingester == nil {
		return c.say(ctx, msgNoIngester)
	}
	if o.boolean("gate") {
		if _, ok := b.cfg.Ingester.(GatedIngester); !ok {
			return c.say(ctx, msgNoGate)
		}
		return b.enqueue(ctx, c, "Gated re-sync", func() (Job, error) { return Job{Kind: JobGatedResync}, nil })
	}
	return b.enqueue(ctx, c, "Re-sync", func() (Job, error) { return Job{Kind: JobResync}, nil })
}

func (b *Bot) cmdForget(ctx context.Context, c *ictx, o options) error {
	doc := o.str("document")
	if err := c.deferReply(ctx, true); err != nil {
		return err
	}
	coll, _, err := b.collection(ctx, c.i.GuildID, c.i.ChannelID)
	if err != nil {
		c.fail(ctx, msgFailed, err)
		return nil
	}
	found, err := b.cfg.Library.Forget(ctx, coll, doc)
	if err != nil {
		c.fail(ctx, msgFailed, fmt.Errorf("forget: %w", err))
		return nil
	}
	msg := "Forgot " + escapeMarkdown(truncate(doc, 200)) + "."
	if !found {
		msg = "There is no document " + escapeMarkdown(truncate(doc, 200)) + "; see /sources."
	}
	return c.final(ctx, rendered{Content: msg})
}

func (b *Bot) cmdCollection(ctx context.Context, c *ictx, _ options) error {
	sub, o := optionsOf(c.i.ApplicationCommandData().Options)
	g, ch := c.i.GuildID, c.i.ChannelID
	var target, msg string
	switch sub {
	case "show":
		coll, _, err := b.collection(ctx, g, ch)
		if err != nil {
			c.log.Error("discord collection lookup failed", slog.Any("err", err))
			return c.say(ctx, msgFailed)
		}
		return c.say(ctx, "This channel answers from `"+coll+"`.")
	case "reset":
		target, msg = GuildCollection(g), "This channel answers from the server's collection again."
	default:
		name := strings.ToLower(o.str("name"))
		if !collectionName.MatchString(name) {
			return c.say(ctx, "Collection names use 1–32 of a-z, 0-9, - and _, starting with a letter or digit.")
		}
		target, msg = NamedCollection(g, name), "This channel now answers from collection `"+name+"`."
	}
	if err := b.cfg.Library.MapChannel(ctx, g, ch, target); err != nil {
		c.log.Error("discord channel mapping failed", slog.Any("err", err))
		return c.say(ctx, msgFailed)
	}
	return c.say(ctx, msg)
}
