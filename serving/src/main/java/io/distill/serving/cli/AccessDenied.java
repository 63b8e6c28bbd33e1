package io.distill.serving.cli;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

import java.util.Optional;

/**
 * Turns a Kafka authentication or authorization failure anywhere in a cause chain into one line an operator can act
 * on: which resource the broker refused and which ACL would allow it. Who may read or write control records is
 * decided by the cluster's ACLs alone.
 */
final class AccessDenied {

    private AccessDenied() {
    }

    static Optional<String> describe(Throwable failure, String operation) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TopicAuthorizationException e) {
                return Optional.of("not authorized: the broker refused to let this principal " + operation
                        + " (topics " + e.unauthorizedTopics() + "); ask an administrator for the Kafka ACL (see "
                        + "docs/SECURITY.md): " + e.getMessage());
            }
            if (t instanceof GroupAuthorizationException e) {
                return Optional.of("not authorized: the broker refused consumer group " + e.groupId()
                        + " to this principal: " + e.getMessage());
            }
            if (t instanceof TransactionalIdAuthorizationException e) {
                return Optional.of("not authorized: the broker refused the transactional id to this principal: "
                        + e.getMessage());
            }
            if (t instanceof AuthorizationException e) {
                return Optional.of("not authorized: " + e.getMessage());
            }
            if (t instanceof AuthenticationException e) {
                return Optional.of("authentication with the Kafka cluster failed (check kafka.security.protocol, "
                        + "kafka.sasl.* and kafka.ssl.*): " + e.getMessage());
            }
        }
        return Optional.empty();
    }
}
