package io.distill.stack.security;

/**
 * A SCRAM-SHA-512 user of a {@link SecureStack}.
 *
 * @param name     the user name; its Kafka principal is {@code User:<name>}
 * @param password its password
 */
public record ScramUser(String name, String password) {

    /** The principal ACLs name: {@code User:<name>}. */
    public String principal() {
        return "User:" + name;
    }

    /** The JAAS line a Kafka client logs in with. */
    public String jaasConfig() {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + name
                + "\" password=\"" + password + "\";";
    }

    @Override
    public String toString() {
        return "ScramUser[" + name + "]";
    }
}
