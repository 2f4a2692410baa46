package wsmetrics

// SizeBucket exports sizeBucket to the tests.
var SizeBucket = sizeBucket
