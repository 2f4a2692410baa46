package flatbuffers_test

import fb "github.com/google/flatbuffers/go"

type flatbuffersTable = fb.Table
