package cli_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/bot/discordtest"
	"github.com/citebot/citebot/rag/store"
)

// syncBuffer is a bytes.Buffer safe for a process writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// buildCitebot builds the citebot binary once for this test.
func buildCitebot(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "citebot")
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "github.com/citebot/citebot").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// replica is one `citebot serve` process.
type replica struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
}

func startReplica(t *testing.T, bin string, env map[string]string, shard int) *replica {
	t.Helper()
	r := &replica{cmd: exec.Command(bin, "serve"), stderr: &syncBuffer{}}
	r.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "CITEBOT_SHARD_ID=" + strconv.Itoa(shard)}
	for k, v := range env {
		r.cmd.Env = append(r.cmd.Env, k+"="+v)
	}
	r.cmd.Stderr = r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		if t.Failed() {
			t.Logf("shard %d stderr:\n%.4000s", shard, r.stderr.String())
		}
	})
	return r
}

// TestReplicasShareState runs two `citebot serve` processes with
// different shard ids on one database against the fake Discord: each
// answers its shard's guild, and a thread started on one continues after
// that process is killed (SIGKILL) and started again.
func TestReplicasShareState(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two processes")
	}
	env := e2eEnv(t)
	guilds := []string{strconv.FormatUint(700000<<22|1, 10), strconv.FormatUint(700001<<22|1, 10)} // shards 0 and 1 of 2
	for _, g := range guilds {
		if r := citebot(t, env, "ingest", "--collection", "guild-"+g, "../rag/ingest/testdata/corpus"); r.err != nil {
			t.Fatalf("ingest: %v\n%s", r.err, r.stderr)
		}
	}
	bin := buildCitebot(t)
	srv := discordtest.New(t, discordtest.Options{})
	for k, v := range map[string]string{"DISCORD_TOKEN": srv.Token(), "CITEBOT_DISCORD_API": srv.APIBase(),
		"CITEBOT_DEV_GUILD": guilds[0], "CITEBOT_SHARD_COUNT": "2", "CITEBOT_MESSAGE_CONTENT": "true"} {
		env[k] = v
	}
	startReplica(t, bin, env, 0)
	second := startReplica(t, bin, env, 1)
	srv.WaitFor(t, func() bool { return srv.ShardConnected(0) && srv.ShardConnected(1) }, 60*time.Second)
	for i, g := range guilds {
		srv.GuildCreate(t, g, "Guild", "80000000000000000"+strconv.Itoa(i))
	}
	inv := discordtest.Invoker{GuildID: guilds[1], ChannelID: "800000000000000001", UserID: "600000000000000001"}
	srv.UserMessage(t, inv, "<@"+srv.AppID()+"> How quickly must the on-call engineer answer a page?", srv.AppID())
	th := srv.WaitCalls(t, "POST /channels/{channel}/messages/{message}/threads", 1, 60*time.Second)[0]
	thread := strings.Split(th.Path, "/")[4]
	st, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	inThread := func(n int) bool {
		as, err := st.ListAnswers(t.Context(), store.AnswerFilter{GuildID: guilds[1]})
		return err == nil && len(as) == n && as[0].ThreadID == thread
	}
	srv.WaitFor(t, func() bool { return inThread(1) }, 30*time.Second)

	readies := srv.Readies()
	if err := second.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = second.cmd.Wait()
	startReplica(t, bin, env, 1)
	srv.WaitFor(t, func() bool { return srv.Readies() > readies && srv.ShardConnected(1) }, 60*time.Second)

	follow := inv
	follow.ChannelID = thread
	srv.UserMessage(t, follow, "and what happens when nobody answers?") // no mention: the bot's own thread
	srv.WaitFor(t, func() bool { return inThread(2) }, 60*time.Second)
	srv.WaitFor(t, func() bool {
		ms := srv.ChannelMessages(thread)
		return len(ms) > 0 && ms[len(ms)-1].Author.ID == srv.AppID()
	}, 30*time.Second)
	ask := srv.Command(t, discordtest.Invoker{GuildID: guilds[0], ChannelID: "800000000000000000", UserID: "600000000000000002"},
		"ask", discordtest.StringOption("question", "How quickly must the on-call engineer answer a page?"))
	srv.WaitFor(t, func() bool {
		m, ok := srv.Original(ask.Token)
		return ok && strings.Contains(render(m), "fifteen minutes")
	}, 60*time.Second)
}
