package memory

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/fakes/llmfake"
)

// history is one customer's messages to a bike shop's agent over months.
var history = []string{
	"Hi, I bought a gravel bike from you in March",
	"The bike is a Canyon Grizl, size medium",
	"My name is Priya and I live in Leeds",
	"The rear derailleur started skipping gears last week",
	"I ride about 80 kilometres every weekend",
	"Can I book a service for the derailleur?",
	"My order number was KX-4471",
	"I paid with my Visa card ending 2231",
	"The delivery came two days late but that was fine",
	"I'm allergic to latex so please no latex gloves on my bike",
	"My daughter Maya is getting into mountain biking",
	"Maya is ten years old and needs a 24 inch wheel bike",
	"Do you sell kids helmets in small sizes?",
	"I prefer to be contacted by email, not phone",
	"My email is priya.r@example.com",
	"The tubeless tyres lose pressure overnight",
	"I use Stan's sealant in the tubeless setup",
	"Last year I crashed and broke my collarbone, so I'm careful on descents",
	"I'm training for a 200 km audax in September",
	"Which saddle would you recommend for long distance?",
	"My current saddle gives me numbness after 100 km",
	"I have a Garmin Edge 530 on the handlebars",
	"The Garmin mount snapped on a bumpy road",
	"I work night shifts at the hospital, so mornings are best for appointments",
	"Our dog Pepper runs next to me on short rides",
	"I would like mudguards fitted before winter",
	"The front brake squeals when it rains",
	"I run 40mm tyres at about 35 psi",
	"My budget for a new wheelset is around 600 pounds",
	"I'm interested in carbon wheels but worried about durability",
	"The bottom bracket creaks when I stand up to climb",
	"I commute to work by bike three days a week",
	"My commute is 12 kilometres each way along the canal",
	"I need lights that are bright enough for unlit canal paths",
	"My partner Sam also wants a bike fitting",
	"Sam is 6 foot 4 and struggles to find frames that fit",
	"I'm vegetarian, if that matters for your shop cafe",
	"I got a puncture on the Trans Pennine Trail",
	"I carry a spare tube and a mini pump",
	"Can you check the chain wear when I bring it in?",
	"The chain was replaced at 3000 km",
	"I'd like to upgrade to a 1x drivetrain",
	"Is SRAM or Shimano better for a gravel 1x setup?",
	"My birthday is on the 14th of November",
	"I want to sign up for your Sunday group rides",
	"I'm not confident riding in big groups yet",
	"The bike's paint got chipped on the top tube",
	"Do you offer touch-up paint for the Grizl?",
	"I store the bike in a shed that gets damp",
	"Rust is appearing on the bolts",
	"I was promised a free first service within six months",
	"The warranty registration email never arrived",
	"My previous bike was a Trek Domane road bike",
	"I sold the Trek on eBay to fund the gravel bike",
}

// queries are later questions; gold indexes the message that answers them.
var queries = []struct {
	q    string
	gold int
}{
	{"what bike did I buy?", 1},
	{"what's my name again", 2},
	{"the gears are skipping again", 3},
	{"what was my order number", 6},
	{"which card did I pay with", 7},
	{"gloves allergy", 9},
	{"what size wheels does my daughter need", 11},
	{"how should you contact me", 13},
	{"my tyres keep losing pressure", 15},
	{"which sealant do I use", 16},
	{"saddle numbness on long rides", 20},
	{"my garmin mount broke", 22},
	{"when can I come in for appointments", 23},
	{"what's the name of our dog", 24},
	{"brakes squealing in the rain", 26},
	{"how much can I spend on wheels", 28},
	{"creaking bottom bracket", 30},
	{"how far is my commute", 32},
	{"my partner needs a fitting", 34},
	{"my free service promise", 50},
}

func recallAt3(t *testing.T, e Embedder) float64 {
	t.Helper()
	ctx := context.Background()
	vs, err := e.Embed(ctx, history)
	require.NoError(t, err)
	hits := 0
	for _, q := range queries {
		qv, err := e.Embed(ctx, []string{q.q})
		require.NoError(t, err)
		type scored struct {
			i int
			s float32
		}
		var all []scored
		for i, v := range vs {
			all = append(all, scored{i, Cosine(qv[0], v)})
		}
		slices.SortFunc(all, func(a, b scored) int {
			switch {
			case a.s > b.s:
				return -1
			case a.s < b.s:
				return 1
			}
			return 0
		})
		top := []int{all[0].i, all[1].i, all[2].i}
		if slices.Contains(top, q.gold) {
			hits++
		} else {
			t.Logf("miss: %q → %q (wanted %q)", q.q, history[top[0]], history[q.gold])
		}
	}
	return float64(hits) / float64(len(queries))
}

func TestRecallQualityOffline(t *testing.T) {
	t.Parallel()
	require.GreaterOrEqual(t, len(history), 50)
	require.GreaterOrEqual(t, len(queries), 20)
	r := recallAt3(t, Offline{})
	t.Logf("offline embedder recall@3: %.0f%%", r*100)
	require.GreaterOrEqual(t, r, 0.8)
}

func TestRecallQualityOpenAICompatible(t *testing.T) {
	t.Parallel()
	fake := llmfake.New(t)
	e := NewOpenAICompatible(fake.URL+"/v1", "sk-test", "text-embedding-3-small", 128, 10e9)
	r := recallAt3(t, e)
	t.Logf("OpenAI-compatible embedder (through the fake) recall@3: %.0f%%", r*100)
	require.GreaterOrEqual(t, r, 0.8)
	reqs := fake.Requests()
	require.NotEmpty(t, reqs)
	require.Equal(t, "/v1/embeddings", reqs[0].Path)
	require.Equal(t, "text-embedding-3-small", reqs[0].Model)
	require.Equal(t, "sk-test", reqs[0].Key)
}

// The semantic embedder must do at least as well as the hashing one on
// memory's own recall (it is the default; see docs/knowledge-quality.md).
func TestRecallQualitySemantic(t *testing.T) {
	t.Parallel()
	s, err := NewSemantic(DefaultSemanticOpts)
	require.NoError(t, err)
	r := recallAt3(t, s)
	base := recallAt3(t, Offline{})
	t.Logf("semantic embedder recall@3: %.0f%% (hashing: %.0f%%)", r*100, base*100)
	require.GreaterOrEqual(t, r, base)
}
