#include "peerdb/state/executor.h"
