package io.donuttracing.matchmaker.beer;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;

@Entity
public class Beer {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    private String name;

    private String brewer;

    /** How hoppy, from 1 to 10. */
    private int hops;

    protected Beer() {
    }

    public Long getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public String getBrewer() {
        return brewer;
    }

    public int getHops() {
        return hops;
    }
}
