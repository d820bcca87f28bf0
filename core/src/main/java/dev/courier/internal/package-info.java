/**
 * Courier's implementation. Not API: anything here may change in any release. Transports must
 * not use it (a test in the build enforces this).
 */
package dev.courier.internal;
