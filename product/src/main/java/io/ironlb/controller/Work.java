package io.ironlb.controller;

import io.ironlb.model.ServiceKey;

/** What the controller's single worker thread does next. Equal items queued twice run once. */
sealed interface Work {
  record ServiceChanged(ServiceKey key) implements Work {}

  record PoolsChanged() implements Work {}
}
