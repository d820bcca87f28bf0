package dev.courier.examples;

import dev.courier.api.MessageBus;
import dev.courier.spring.CourierSubscriber;
import java.time.Duration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The user-signup example as a Spring Boot service. The plain example's {@link EmailService} and
 * {@link AnalyticsService} run unchanged as beans (each subscribes itself through a
 * {@link CourierSubscriber}); {@link SignupAudit} shows the same kind of handler written with
 * {@code @CourierListener}; {@link SignupRunner} signs users up and checks every service got every
 * event. The bus comes from {@code courier.url} ({@code COURIER_URL}, default {@code memory://}).
 *
 * <p>The application signs up {@code signup.count} users, prints a summary, and exits: with 0
 * when every event was handled, else 1.
 */
@SpringBootApplication
public class SpringBootSignupApp {

    /** Runs the app and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the app, closes it (draining its listeners) and returns its exit code. */
    static int run(String... args) {
        return SpringApplication.exit(SpringApplication.run(SpringBootSignupApp.class, args));
    }

    @Bean
    EmailService emailService() {
        return new EmailService();
    }

    @Bean
    AnalyticsService analyticsService() {
        return new AnalyticsService();
    }

    /** Starts the plain example's email service in Spring's lifecycle; the starter stops it. */
    @Bean
    CourierSubscriber emailSubscription(EmailService email) {
        return email::start;
    }

    @Bean
    CourierSubscriber analyticsSubscription(AnalyticsService analytics) {
        return analytics::start;
    }

    @Bean
    UserService userService(MessageBus bus) {
        return new UserService(bus);
    }

    @Bean
    SignupAudit signupAudit() {
        return new SignupAudit();
    }

    @Bean
    SignupRunner signupRunner(UserService users, EmailService email, AnalyticsService analytics, SignupAudit audit,
                              Environment environment) {
        return new SignupRunner(users, email, analytics, audit,
                environment.getProperty("signup.count", Integer.class, 20),
                environment.getProperty("signup.timeout", Duration.class, Duration.ofSeconds(60)));
    }
}
