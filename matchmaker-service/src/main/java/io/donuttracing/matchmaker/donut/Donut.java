package io.donuttracing.matchmaker.donut;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;

@Entity
public class Donut {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    private String name;

    /** How sweet, from 1 to 10. */
    private int sugar;

    private String bakery;

    protected Donut() {
    }

    public Long getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public int getSugar() {
        return sugar;
    }

    public String getBakery() {
        return bakery;
    }
}
