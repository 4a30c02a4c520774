package io.donuttracing.matchmaker.beer;

import java.util.List;
import java.util.Optional;

import org.springframework.data.repository.Repository;

public interface BeerRepository extends Repository<Beer, Long> {

    List<Beer> findAllByOrderById();

    Optional<Beer> findByNameIgnoreCase(String name);
}
