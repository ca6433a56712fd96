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
