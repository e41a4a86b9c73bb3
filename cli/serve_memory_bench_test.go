package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/rag/store/faulttest"
)

// serveMemoryGuild is the guild whose collection (guild-<id>) rag/store's
// BenchmarkScale grows.
const serveMemoryGuild = "700000000000000017"

// BenchmarkServeMemory runs one `citebot serve` process on the database of
// CITEBOT_BENCH_DB (grown by rag/store's BenchmarkScale; scripts/bench.sh
// runs both) against the fake Discord, sends it 100 /ask (at the guild rate limit,
// about 80 s),
// and reports the process's resident memory at the end and at its peak:
// the store's size must not show in it.
func BenchmarkServeMemory(b *testing.B) {
	db := os.Getenv("CITEBOT_BENCH_DB")
	if db == "" {
		b.Skip("CITEBOT_BENCH_DB is unset (scripts/bench.sh sets it)")
	}
	bin := filepath.Join(b.TempDir(), "citebot")
	if out, err := exec.CommandContext(b.Context(), "go", "build", "-o", bin, "github.com/citebot/citebot").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	srv := discordtest.New(b, discordtest.Options{})
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.TempDir(), "DATABASE_URL=" + db,
		"CITEBOT_MODEL_DIR=" + faulttest.ModelDir(b), "CITEBOT_LOG_LEVEL=warn", "DISCORD_TOKEN=" + srv.Token(),
		"CITEBOT_DISCORD_API=" + srv.APIBase(), "CITEBOT_DEV_GUILD=" + serveMemoryGuild}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if b.Failed() {
			b.Logf("serve stderr:\n%.4000s", stderr.String())
		}
	}()
	srv.WaitFor(b, func() bool { return srv.ShardConnected(0) }, 60*time.Second)
	srv.GuildCreate(b, serveMemoryGuild, "Guild", "800000000000000017")
	conn, err := pgx.Connect(b.Context(), db)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(b.Context())
	for b.Loop() {
		askMany(b, srv, conn, 100)
	}
	rss, _ := procStatusKB(cmd.Process.Pid, "VmRSS:")
	peak, _ := procStatusKB(cmd.Process.Pid, "VmHWM:")
	b.ReportMetric(float64(rss)/1024, "serve-rss-MB")
	b.ReportMetric(float64(peak)/1024, "serve-peak-rss-MB")
}

// guildBurst and guildEvery are the bot's default per-guild rate limit
// (bot.Config.GuildRate): askMany keeps under it.
const (
	guildBurst = 20
	guildEvery = time.Second
)

// askMany sends total /ask as fast as the guild's rate limit lets them
// through, and waits until every answer is stored.
func askMany(b *testing.B, srv *discordtest.Server, conn *pgx.Conn, total int) {
	words := strings.Fields("how does the release process handle rollback when a deploy fails and who approves " +
		"the budget for new hardware in the data centre what is the policy on remote work")
	answered := func() int {
		var n int
		if err := conn.QueryRow(b.Context(), `SELECT count(*) FROM answers WHERE guild_id = $1`, serveMemoryGuild).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	want := answered() + total
	for j := range total {
		if j >= guildBurst-1 {
			time.Sleep(guildEvery + 50*time.Millisecond)
		}
		q := strings.Join([]string{words[j%len(words)], words[(j*7)%len(words)], words[(j*13)%len(words)], "?"}, " ")
		inv := discordtest.Invoker{GuildID: serveMemoryGuild, ChannelID: "800000000000000017", UserID: fmt.Sprint(600000000000000000 + j)}
		srv.Command(b, inv, "ask", discordtest.StringOption("question", q))
	}
	srv.WaitFor(b, func() bool { return answered() >= want }, 5*time.Minute)
}

// procStatusKB reads one kB field of /proc/pid/status.
func procStatusKB(pid int, key string) (int, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, err := strconv.Atoi(f[0])
				return n, err == nil
			}
		}
	}
	return 0, false
}
