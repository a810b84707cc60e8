// A Generic Connector client in Java with the RabbitMQ Java client (Debian: librabbitmq-client-java),
// shaped like a Siebel-style CTI driver built on the RabbitMQ JMS client: every command carries the
// headers that client writes for an 'amqp' destination (JMSType, JMSMessageID, JMSTimestamp,
// JMSDeliveryMode, JMSPriority, and JMSCorrelationID next to the correlation_id property), and the
// driver reads its destination queue, bound to the clients exchange, as an 'amqp' destination.
//
// It registers the destination (Hello), binds the agent (Connect), logs in (Login), prints the
// events until the agent's AgentInfo, then asks for the state over direct reply-to
// (reply_to = amq.rabbitmq.reply-to, the reply-to a JMS client honours) with a correlation id and
// prints the answer as "reply <correlation-id> <body>".
//
//   java -cp /usr/share/java/amqp-client.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar \
//        examples/java/Login.java                # agent 1005 / secret on extension 3005
//
// Settings come from the environment (defaults in brackets): GC_AMQP_URL
// [amqp://guest:guest@127.0.0.1:5672/%2f], GC_AGENT [1005], GC_PASSWORD [secret], GC_EXTENSION
// [3005], GC_DESTINATION [java-<pid>], GC_COMMAND_QUEUE [gc.commands], GC_CLIENTS_EXCHANGE
// [gc.clients], GC_WAIT seconds [15].

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Delivery;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

public final class Login {
    static String setting(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    static final String AGENT = setting("GC_AGENT", "1005");
    static final String PASSWORD = setting("GC_PASSWORD", "secret");
    static final String EXTENSION = setting("GC_EXTENSION", "3005");
    static final String DESTINATION = setting("GC_DESTINATION", "java-" + ProcessHandle.current().pid());
    static final String COMMANDS = setting("GC_COMMAND_QUEUE", "gc.commands");
    static final String CLIENTS = setting("GC_CLIENTS_EXCHANGE", "gc.clients");
    static final long WAIT_MS = (long) (Double.parseDouble(setting("GC_WAIT", "15")) * 1000);

    /** A command as the RabbitMQ JMS client sends a TextMessage to an 'amqp' destination. */
    static void send(Channel channel, String jmsType, String body, String correlationId, String replyTo)
            throws Exception {
        Map<String, Object> headers = new HashMap<>();
        headers.put("JMSType", jmsType);
        headers.put("JMSMessageID", "ID:" + UUID.randomUUID()); // the JMS client sets no message_id
        headers.put("JMSTimestamp", System.currentTimeMillis());
        headers.put("JMSDeliveryMode", "PERSISTENT");
        headers.put("JMSPriority", 4);
        AMQP.BasicProperties.Builder properties = new AMQP.BasicProperties.Builder()
                .headers(headers)
                .deliveryMode(2)
                .priority(4)
                .contentType("application/octet-stream");
        if (correlationId != null) {
            headers.put("JMSCorrelationID", correlationId);
            properties.correlationId(correlationId);
        }
        if (replyTo != null) {
            properties.replyTo(replyTo);
        }
        channel.basicPublish("", COMMANDS, properties.build(), body.getBytes(StandardCharsets.UTF_8));
    }

    static Delivery next(BlockingQueue<Delivery> deliveries) throws InterruptedException {
        Delivery delivery = deliveries.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        if (delivery == null) {
            System.err.println("nothing arrived within " + WAIT_MS + " ms");
            System.exit(1);
        }
        return delivery;
    }

    /** The body as a JMS TextMessage's text: the connector sends header JMSType = TextMessage. */
    static String text(Delivery delivery) {
        return new String(delivery.getBody(), StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(setting("GC_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"));
        try (Connection connection = factory.newConnection()) {
            Channel channel = connection.createChannel();
            // The destination queue, bound before Hello. A production driver keeps a durable
            // named queue; the example's goes away with it.
            String queue = channel.queueDeclare("", false, true, true, null).getQueue();
            channel.queueBind(queue, CLIENTS, DESTINATION);
            BlockingQueue<Delivery> events = new LinkedBlockingQueue<>();
            channel.basicConsume(queue, true, (tag, delivery) -> events.add(delivery), tag -> { });
            // Direct reply-to: consumed (no-ack) on the channel that publishes the request.
            BlockingQueue<Delivery> replies = new LinkedBlockingQueue<>();
            channel.basicConsume("amq.rabbitmq.reply-to", true, (tag, d) -> replies.add(d), tag -> { });

            send(channel, "Hello#" + DESTINATION, "", null, null);
            send(channel, "Connect#" + AGENT, DESTINATION + "," + PASSWORD, null, null);
            send(channel, "Login#" + AGENT, PASSWORD + "," + EXTENSION, null, null);
            while (true) {
                String body = text(next(events));
                System.out.println(body);
                if (body.contains(AGENT + "#Error#")) {
                    System.exit(1);
                }
                if (body.contains(AGENT + "#AgentInfo#")) {
                    break;
                }
            }

            String correlation = "state-" + DESTINATION;
            send(channel, "GetState#" + AGENT, "", correlation, "amq.rabbitmq.reply-to");
            Delivery reply = next(replies);
            System.out.println("reply " + reply.getProperties().getCorrelationId() + " " + text(reply));
        }
    }
}
