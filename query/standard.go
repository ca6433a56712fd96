package query

// Verdict is one named standard's judgement of one item.
type Verdict struct {
	// Dirty is the standard's binary verdict.
	Dirty bool `json:"dirty"`
	// TooShort: the item has fewer tokens than the standard's n-gram
	// length, so the standard cannot judge it (never reported as clean).
	TooShort bool `json:"too_short,omitempty"`
	// Value is the quantity the standard thresholds (fraction of n-grams
	// found, contaminated-token fraction, longest span, …); see Detail.
	Value float64 `json:"value"`
	// Bucket is a standard's named class where it has several (llama2:
	// clean, not_clean, not_dirty, dirty).
	Bucket string `json:"bucket,omitempty"`
	// Detail says what Value is and the parameters used, for reports.
	Detail string `json:"detail,omitempty"`
}

// Standard names, in the order reports list them.
var StandardNames = []string{"default", "gpt3", "palm", "llama2", "llama3", "gpt4", "lmeval"}

// StandardParams are the parameters of the standards; zero values take the
// published defaults (see docs/standards.md).
type StandardParams struct {
	GPT3N       int     // gpt3 n-gram length; 0: 5th percentile of item lengths, clamped to [8, 13]
	GPT3MaxDocs int     // gpt3 filtering variant: ignore N-grams in more documents than this; -1: no filter (default 10)
	PaLMN       int     // palm n-gram length (8)
	PaLMFrac    float64 // palm threshold on the fraction of n-grams found (0.70)
	Llama2Min   int     // llama2: a token is contaminated inside a match LONGER than this many tokens (10)
	Llama2Skip  int     // llama2 skip-gram budget: mismatched positions allowed inside a match (4)
	Llama3N     int     // llama3 n-gram length (8)
	Tau         float64 // llama3 threshold on the fraction of tokens inside a found n-gram (0.5)
	GPT4Samples int     // gpt4 substrings per item (3)
	GPT4Len     int     // gpt4 substring length in characters (50)
	GPT4Seed    uint64  // gpt4 sampling seed (1)
	LmevalN     int     // lmeval n-gram length (13)
	// default: n-grams in more corpus documents than BoilerplateDocs, or
	// in at least TemplateItems items of the benchmark (and 1% of them),
	// do not count towards the default verdict.
	BoilerplateDocs int // (100)
	TemplateItems   int // (5)
	// default: also dirty when at least DocTokens item tokens lie in
	// verified spans shared with a single document (20).
	DocTokens int
}

func (p *StandardParams) defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&p.GPT3MaxDocs, 10)
	def(&p.PaLMN, 8)
	def(&p.Llama2Min, 10)
	def(&p.Llama2Skip, 4)
	def(&p.Llama3N, 8)
	def(&p.GPT4Samples, 3)
	def(&p.GPT4Len, 50)
	def(&p.LmevalN, 13)
	def(&p.BoilerplateDocs, 100)
	def(&p.TemplateItems, 5)
	def(&p.DocTokens, 20)
	if p.PaLMFrac == 0 {
		p.PaLMFrac = 0.70
	}
	if p.Tau == 0 {
		p.Tau = 0.5
	}
	if p.GPT4Seed == 0 {
		p.GPT4Seed = 1
	}
}
